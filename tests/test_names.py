"""Every schedule has its names in the other libraries (or an explicit None)."""

from dataclasses import fields

import pytest

import lrviz
from lrviz.schedules.names import EQUIVALENTS, Equivalents

PREFIXES = {"keras": ("keras.", "learning_rate="), "transformers": ("get_",), "timm": ("timm.scheduler.",),
            "optax": ("optax.", "lambda count:")}


def test_every_registry_name_has_an_entry_and_nothing_else_does():
    assert set(EQUIVALENTS) == set(lrviz.REGISTRY)  # rows are keyed by name: their order is free


@pytest.mark.parametrize("name", list(EQUIVALENTS))
def test_entries_name_real_namespaces_and_explain_gaps(name):
    entry = EQUIVALENTS[name]
    assert isinstance(entry, Equivalents)
    for library, prefixes in PREFIXES.items():
        call = getattr(entry, library)
        assert call is None or call.startswith(prefixes), (library, call)
    if all(getattr(entry, field.name) is None for field in fields(entry) if field.name != "note"):
        assert entry.note  # no equivalent anywhere: say how to get one
