"""One escaping path for text that came from a user (a link, a file, a spec) and is shown in the page.

Streamlit renders Markdown, including images, links, `:color[...]` directives and LaTeX, in
`st.markdown`, captions, notices, expander and widget labels; Plotly renders a subset of
HTML in trace names and hover text. User text reaches either only through these functions.
"""

from __future__ import annotations

import html
import re
import reprlib

MAX_ECHO = 200  # characters of a user's text that a message repeats
_JOINER = "\u2060"  # WORD JOINER: invisible, and breaks the words GFM's autolink literals look for
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|xmpp|www\.|@)")
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # CommonMark lets a backslash escape each of these


# invisible characters that reorder or hide text (bidi controls, zero-width spaces and joiners, soft hyphen, BOM):
# echoed raw they make a message read differently from what was typed, so they are shown as their escapes
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
                        "\ufff9-\ufffb\x00-\x1f\x7f-\x9f]")


def shorten(text: object, limit: int = MAX_ECHO) -> str:
    """`text` on one line, at most `limit` characters, encodable (no lone surrogates), with invisible characters
    written as escapes (`\\u202e`)."""
    line = " ".join(str(text).split())
    line = line.encode("utf-8", "backslashreplace").decode("utf-8")
    line = _INVISIBLE.sub(lambda found: f"\\u{ord(found.group(0)):04x}", line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


_REPR = reprlib.Repr()  # Python 3.11's takes no keywords
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 4, 60, 60


def shown(value: object, limit: int = 60) -> str:
    """A value as a message may echo it: a bounded repr, whatever its size (a 5,000-digit int, a 1M list)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"{'-' * (value < 0)}a {round(abs(value).bit_length() * 0.30103):,}-digit number"
    try:
        text = _REPR.repr(value)
    except (ValueError, RecursionError):  # a huge int inside a list: repr() refuses it
        text = f"a {type(value).__name__}"
    return shorten(text, limit)


def markdown_text(text: object, limit: int = MAX_ECHO) -> str:
    """Shown literally by Streamlit's Markdown: every ASCII punctuation mark backslash-escaped, and no
    bare address left for GFM's autolinks (`http://…`, `www.…`, `a@b.c` become links even when escaped):
    an invisible word joiner goes inside each."""
    unlinked = _AUTOLINK.sub(lambda found: found.group(0)[0] + _JOINER + found.group(0)[1:], shorten(text, limit))
    return _ASCII_PUNCTUATION.sub(r"\\\1", unlinked)


def plotly_text(text: object, limit: int = MAX_ECHO) -> str:
    """Shown literally in a Plotly trace name, legend or hover text (which render `<a>`, `<b>`, `<span>`)."""
    return html.escape(shorten(text, limit), quote=False)
