"""User text is shown literally: no Markdown, no HTML, no directives, bounded length."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from lrviz.schedules.markup import MAX_ECHO, markdown_text, plotly_text, shorten

HOSTILE = [
    "![t](http://host/x.png)",
    "[click me](http://host/)",
    "<a href='http://host'>x</a>",
    '<span style="font-size:90px">big</span>',
    ":red[alarm] :material/warning: $x^2$",
    "`code` **bold** # heading",
]


def test_markdown_text_escapes_every_markup_character():
    for text in HOSTILE:
        escaped = markdown_text(text)
        # every ASCII punctuation mark is preceded by a backslash, so none starts markup
        assert not re.search(r"(?<!\\)[!\[\]()<>:`*#$_]", escaped.replace("\\\\", "")), escaped


def test_plotly_text_leaves_no_tag():
    for text in HOSTILE:
        assert "<" not in plotly_text(text) and ">" not in plotly_text(text)
    assert plotly_text("a & b") == "a &amp; b"


def test_shorten_bounds_length_lines_and_surrogates():
    assert len(shorten("x" * 10_000)) == MAX_ECHO
    assert "\n" not in shorten("a\nb\r\nc")
    assert shorten("\ud800").encode("utf-8")  # a lone surrogate no longer breaks encoding


@given(st.text())
def test_escaped_text_reads_back_as_the_original(text):
    escaped = markdown_text(text, limit=10**6)
    assert re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "") == shorten(text, limit=10**6).replace("\u2060", "")


@given(st.text(alphabet="htpsfw.:/@a-b ", max_size=40))
def test_no_bare_address_is_left_for_autolinks(text):
    """GFM turns http://…, www.… and a@b.c into links even in escaped text: a word joiner breaks each."""
    unescaped = re.sub(r"\\(.)", r"\1", markdown_text(text, limit=10**6))
    assert not re.search(r"(?i)(https?:|ftp:|www\.|@[a-z])", unescaped)
