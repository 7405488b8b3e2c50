"""One escaping path for text that came from a user (a link, a file, a spec) and is shown in the page.

Streamlit renders Markdown, including images, links, `:color[...]` directives and LaTeX, in
`st.markdown`, captions, notices, expander and widget labels; Plotly renders a subset of
HTML in trace names and hover text. User text reaches either only through these functions.
"""

from __future__ import annotations

import html
import re

MAX_ECHO = 200  # characters of a user's text that a message repeats
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # CommonMark lets a backslash escape each of these


def shorten(text: object, limit: int = MAX_ECHO) -> str:
    """`text` on one line, at most `limit` characters, and encodable (no lone surrogates)."""
    line = " ".join(str(text).split())
    line = line.encode("utf-8", "backslashreplace").decode("utf-8")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def markdown_text(text: object, limit: int = MAX_ECHO) -> str:
    """Shown literally by Streamlit's Markdown: every ASCII punctuation mark backslash-escaped."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", shorten(text, limit))


def plotly_text(text: object, limit: int = MAX_ECHO) -> str:
    """Shown literally in a Plotly trace name, legend or hover text (which render `<a>`, `<b>`, `<span>`)."""
    return html.escape(shorten(text, limit), quote=False)
