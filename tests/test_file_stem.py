"""The download's file name: the schedules' names, whole, within a length, safe on every file system."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from lrviz.page.sections import file_stem
from lrviz.schedules.registry import REGISTRY
from lrviz.training.presets import find

SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def test_names_that_fit_are_all_there():
    assert file_stem(["StepLR", "ExponentialLR"]) == "lrviz-StepLR-ExponentialLR"


def test_a_long_list_is_cut_at_a_whole_name_and_says_how_many_more():
    names = find("all").config.schedules
    names = [text.split("(")[0] for text in names]
    stem = file_stem(names)
    assert len(stem) <= 60 and SAFE.match(stem)
    kept, more = re.fullmatch(r"lrviz-(.*)-and-(\d+)-more", stem).groups()
    unique = list(dict.fromkeys(names))
    assert kept.split("-") == unique[:len(kept.split("-"))]  # whole names, in order
    assert len(kept.split("-")) + int(more) == len(unique)


def test_a_repeated_name_is_named_once():
    assert file_stem(["StepLR", "StepLR", "LinearLR"]) == "lrviz-StepLR-LinearLR"


@given(st.lists(st.one_of(st.sampled_from(list(REGISTRY)), st.text(max_size=80)), max_size=40),
       st.integers(20, 120))
def test_every_stem_is_short_safe_and_starts_with_lrviz(names, limit):
    stem = file_stem(names, limit)
    assert stem.startswith("lrviz") and len(stem) <= limit and SAFE.match(stem)
    assert "--" not in stem
