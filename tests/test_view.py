"""The view in a link: every View round-trips, hostile values are dropped with a reason, never raised."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from lrviz.page.view import AXES, LOSS_VIEWS, SECTIONS, VIEW_KEYS, View, from_query, valid, without_view

views = st.builds(View, per=st.sampled_from(AXES), loss_view=st.sampled_from(list(LOSS_VIEWS.values())),
                  log_lr=st.booleans(), log_loss=st.booleans(), explained=st.integers(0, 31),
                  section=st.sampled_from(list(SECTIONS.values())), present=st.booleans(),
                  colors=st.lists(st.integers(0, 57), max_size=32, unique=True).map(tuple))


def as_query(query: dict[str, str]) -> dict[str, list[str]]:
    return {key: [value] for key, value in query.items()}


@given(views)
def test_every_view_reopens_from_its_link(view):
    assert from_query(as_query(view.to_query())) == (view, [])


def test_the_default_view_adds_nothing_to_a_link():
    assert View().to_query() == {}
    assert View(colors=(0, 1, 2)).to_query() == {} and View(colors=(0, 1, 2)) == View()


def test_colours_are_distinct_palette_numbers():
    assert View(colors=(0, 2, 3)).to_query() == {"colors": "0,2,3"}
    for text in ("1,1", "2,-1", "a", "", "1,,2", "1" * 9, "٣"):
        view, dropped = from_query({"colors": [text]})
        assert view == View() and len(dropped) == 1 and "colors" in dropped[0]
    assert valid("colors", (4, 0)) and not valid("colors", (1, 1)) and not valid("colors", (True,))


def test_a_link_names_the_view_in_words():
    view = View(per="step", loss_view="above optimum", log_lr=True, log_loss=False, explained=2,
                section="LR range test", present=True)
    assert view.to_query() == {"x": "step", "loss": "excess", "log_lr": "1", "log_loss": "0", "present": "1",
                               "explain": "3", "tab": "range"}


def test_invalid_values_are_dropped_with_a_reason_and_the_rest_kept():
    view, dropped = from_query({"x": ["week"], "loss": ["raw"], "log_lr": ["maybe"], "explain": ["0"],
                                "tab": ["<img src=x>"], "present": ["1"]})
    assert view == replace(View(), loss_view="raw", present=True)
    assert len(dropped) == 4
    assert any("x axis 'week'" in text for text in dropped)
    assert any("log_lr 'maybe'" in text for text in dropped)
    assert any("explained schedule '0'" in text for text in dropped)


def test_the_configuration_is_what_is_not_the_view():
    query = {"x": ["step"], "epochs": ["12"], "s": ["StepLR()"], "tab": ["export"]}
    assert without_view(query) == {"epochs": ["12"], "s": ["StepLR()"]}


@given(st.dictionaries(st.sampled_from([*VIEW_KEYS, "other"]), st.lists(st.text(max_size=2000), max_size=3)))
def test_hostile_links_never_raise_and_messages_stay_short(query):
    view, dropped = from_query(query)
    assert isinstance(view, View)
    assert all(len(text) < 200 for text in dropped)


def test_only_values_a_view_can_hold_are_valid():
    assert valid("explained", 3) and not valid("explained", "StepLR()") and not valid("explained", True)
    assert valid("log_lr", False) and not valid("log_lr", 0) and not valid("log_lr", None)
    assert valid("section", "LR range test") and not valid("section", "range")
    assert valid("per", "step") and not valid("per", None)
