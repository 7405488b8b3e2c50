"""Hostile links and configuration files: every failure becomes a short notice, never a traceback.

Property tests feed `from_query` and `from_json` arbitrary text (lone surrogates, control characters,
huge numbers, deep nesting, duplicates); adversarial cases replay the issue's reproductions. The page
itself is driven with AppTest: a hostile link loads without an exception, and a crash shows visitors a
redacted message while the server's log keeps the traceback.
"""

from __future__ import annotations

import json
import re

import pytest
from apptest_helpers import APP
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from lrviz import SpecError
from lrviz.schedules.params import MAX_MESSAGE
from lrviz.schedules.schedule import MAX_SPEC_LENGTH, parse
from lrviz.training.config import SCHEDULE_KEY, Config, from_json, from_query
from lrviz.training.experiment import EXPERIMENT_PARAMS

# typed under the length limit, but longer than it once written out in canonical form
CHAINED_LONG = "ChainedScheduler(" + "StepLR," * ((MAX_SPEC_LENGTH - 20) // 7) + ")"
SETTINGS = [param.name for param in EXPERIMENT_PARAMS]
_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)  # surrogates included
_numbers_as_text = st.one_of(st.integers().map(str), st.floats().map(repr), st.just("9" * 5000),
                             st.sampled_from(["-inf", "nan", "1e999", "0x10", "1_000", " 3 ", "[1, 2]"]))


def _assert_notices_are_fine(config: Config, notices: list[str]) -> None:
    for notice in notices:
        assert isinstance(notice, str) and len(notice) <= 2 * MAX_MESSAGE
        notice.encode("utf-8")  # a lone surrogate made the page's notice itself raise
        assert "\n" not in notice
    for text in config.schedules:  # what the page reloads must parse, and be canonical
        assert str(parse(text)) == text
    config.to_experiment()  # the settings kept make a valid run


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.dictionaries(st.one_of(st.sampled_from([*SETTINGS, SCHEDULE_KEY]), _any_text),
                             st.lists(st.one_of(_any_text, _numbers_as_text), max_size=3), max_size=6))
def test_any_link_loads_with_notices_only(query):
    config, notices = from_query(query)
    _assert_notices_are_fine(config, notices)


_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _any_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_any_text, inner, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(_json_values, st.fixed_dictionaries(
    {}, optional={"lrviz": _json_values, "schedules": st.lists(st.one_of(_any_text, _json_values), max_size=4),
                  "experiment": st.dictionaries(st.one_of(st.sampled_from(SETTINGS), _any_text), _json_values)})))
def test_any_json_file_loads_with_notices_or_one_refusal(body):
    text = json.dumps(body)
    try:
        config, notices = from_json(text)
    except SpecError as error:
        assert len(str(error)) <= MAX_MESSAGE
        str(error).encode("utf-8")
        return
    _assert_notices_are_fine(config, notices)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200))
def test_any_bytes_as_a_file_load_or_are_refused_in_one_line(data):
    try:
        config, notices = from_json(data)
    except SpecError as error:
        assert "\n" not in str(error)
        return
    _assert_notices_are_fine(config, notices)


@pytest.mark.parametrize("text, refusal", [
    ('{"experiment": {"epochs": 3, "epochs": 4}}', "gives the key 'epochs' twice"),
    ('{"schedules": [], "schedules": ["StepLR()"]}', "gives the key 'schedules' twice"),
    ("[" * 100_000 + "]" * 100_000, "larger than"),
    ("[" * 50_000, "not a JSON configuration file"),
    ('{"experiment": {"epochs": ' + "9" * 5000 + "}}", "not a JSON configuration file"),
])
def test_files_the_issue_found_are_refused_with_a_message(text, refusal):
    with pytest.raises(SpecError, match=refusal):
        from_json(text)


@pytest.mark.parametrize("query, notice", [
    ({SCHEDULE_KEY: [CHAINED_LONG]}, f"longer than {MAX_SPEC_LENGTH} characters"),
    ({SCHEDULE_KEY: ["StepLR(step_size=4, step_size=5)"]}, "step_size is given twice"),
    ({"epochs": ["3", "5"], SCHEDULE_KEY: ["StepLR()"]}, "'epochs' given 2 times"),
    ({"epochs": ["9" * 5000]}, "5,000-digit number"),
    ({"lr": ["1e999"]}, "finite"),
    ({SCHEDULE_KEY: ["LambdaLR(lr_lambda='1 # comment')"]}, "comments (#) are not allowed"),
    ({SCHEDULE_KEY: ["StepLR(stepsize=3)"]}, "did you mean step_size?"),
    ({SCHEDULE_KEY: ["MultiStepLR(milestones=[" + "-1," * 900 + "])"]}, "milestones"),
])
def test_links_the_issue_found_give_a_notice(query, notice):
    config, notices = from_query(query)
    assert any(notice in text for text in notices), notices
    _assert_notices_are_fine(config, notices)


def test_a_lone_surrogate_in_a_file_gives_an_encodable_notice():
    config, notices = from_json('{"\\ud800": 1, "experiment": {"\\udfff": 2}, "schedules": ["\\ud800()"]}')
    assert len(notices) == 3
    _assert_notices_are_fine(config, notices)


def test_a_message_echoes_a_bounded_part_of_what_was_typed():
    huge = "StepLR(gamma=" + "9" * 1900 + ")"
    _, notices = from_query({SCHEDULE_KEY: [huge], "optimizer": ["x" * 100_000]})
    assert notices and all(len(notice) <= 2 * MAX_MESSAGE for notice in notices)


def test_a_hostile_link_opens_the_page_without_an_exception():
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params[SCHEDULE_KEY] = [CHAINED_LONG, "StepLR(step_size=4, step_size=5)", "![t](http://127.0.0.1:9/x.png)",
                                      "StepLR()"]
    app.query_params["epochs"] = ["3", "4"]
    app.run()
    assert not app.exception
    assert len(app.warning) >= 4  # one notice per thing not loaded


def test_a_crash_shows_visitors_no_details_and_logs_the_traceback(capfd):
    """client.showErrorDetails = "none" (.streamlit/config.toml, read from the repository's root)."""
    app = AppTest.from_string("raise RuntimeError('secret at /srv/lrviz/app.py')")
    app.run()
    shown = app.exception[0]
    assert "secret" not in shown.message and "/srv" not in shown.message
    assert not shown.stack_trace
    captured = capfd.readouterr()
    log = re.sub(r"\x1b\[[0-9;]*m", "", captured.out + captured.err)  # the console's colours
    assert "Traceback" in log and "RuntimeError: secret at /srv/lrviz/app.py" in log  # the server's log keeps it
