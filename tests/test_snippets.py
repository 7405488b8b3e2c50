"""Real scheduler code copied from public repositories (tests/snippets/, each naming its source): every snippet
is read to the library's own lr or refused with a one-line message naming what was not read. bench/snippets.py
prints the same classification as shares."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from snippets import SNIPPETS, classify, header

PATHS = sorted(SNIPPETS.glob("*.py"))


def test_there_are_twenty_snippets_each_naming_its_source():
    assert len(PATHS) >= 20
    for path in PATHS:
        fields = header(path.read_text())
        assert fields["source"].count(" ") == 1 and "/" in fields["source"].split()[0], path.name
        assert fields["expect"] in ("accept", "refuse")


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_snippet_is_read_to_the_librarys_lr_or_refused_clearly(path):
    kind, why = classify(path)
    assert kind in ("equal", "refused"), why
