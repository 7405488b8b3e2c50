"""The page's pre-flight check: warnings beside a schedule's editor for this run and the real run, and the
"My real run" box drawing every schedule over the real run without training."""

import json
import re

from apptest_helpers import open_app, trace_values

ONE_CYCLE = "scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=2000)"  # 20 epochs × 100 batches


def _paste(app, code: str):
    app.text_area(key="paste_code").set_value(code)
    next(button for button in app.button if button.label == "Add pasted schedule").click()
    return app.run()


def _warnings(app) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", element.value) for element in app.warning]


def _real_chart(app) -> dict | None:
    for chart in app.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        titles = [a.get("text", "") for a in figure["layout"].get("annotations", [])]
        if "Learning rate over your real run" in titles:
            return figure
    return None


def _real_run(app, **values):
    app.session_state["real_run_on"] = True
    for name, value in values.items():
        app.session_state[f"real_{name}"] = value
    return app.run()


def test_the_box_is_off_by_default_and_draws_nothing():
    app = open_app()
    assert not app.exception and _real_chart(app) is None
    assert not _warnings(app)  # the landing page's schedules fit its run


def test_a_pasted_schedule_longer_than_the_run_says_so_beside_its_editor():
    app = _paste(open_app(), ONE_CYCLE)
    assert not app.exception
    said = [text for text in _warnings(app) if text.startswith("this run: total_steps=2,000")]
    assert said and "20 epochs" in said[0] and "final lr 4e-07" in said[0]


def test_the_real_run_box_draws_every_schedule_over_the_real_run_and_warns():
    app = _paste(open_app(), "CosineAnnealingLR(T_max=10)")
    app = _real_run(app, dataset_size=3200, batch_size=32, epochs=4)  # 100 steps per epoch, stepped per step
    assert not app.exception
    figure = _real_chart(app)
    slots = app.session_state["lrviz"]["slots"]
    lines = [trace for trace in figure["data"] if trace.get("mode") != "markers" and trace.get("yaxis", "y") == "y"]
    assert len(lines) == len(slots)
    assert figure["layout"]["xaxis"]["range"] == [0, 4]  # the axis is the real run's, never past it
    cosine = next(trace for trace in lines if trace["name"].startswith("CosineAnnealingLR(T_max=10)"))
    values = trace_values(cosine)
    assert len(values) == 400 and max(values[12:]) > values[10]  # stepped over the whole run: it climbs back
    texts = _warnings(app)
    assert any(text.startswith("your real run: T_max=10 is shorter than the run's 400") for text in texts)
    assert any(text.startswith("CosineAnnealingLR(T_max=10): T_max=10") for text in texts)  # in the box too
    assert any("100 optimizer steps per epoch, 400 over 4 epochs" in caption.value.replace("\\", "")
               for caption in app.caption)


def test_a_bad_real_run_is_refused_in_one_line_and_the_page_stays():
    app = _real_run(open_app(), dataset_size=10, batch_size=32, drop_last=True)
    assert not app.exception and _real_chart(app) is None
    assert any("drop_last leaves no batch" in error.value.replace("\\", "") for error in app.error)


def test_the_x_axis_never_runs_past_the_run():
    app = _paste(open_app(), ONE_CYCLE)  # its peak, step 599, is far past the 20 epochs
    for chart in app.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        ends = [shape["x0"] for shape in layout.get("shapes", []) if isinstance(shape.get("x0"), int | float)]
        assert max(ends, default=0) <= 20.5


def test_a_composite_past_the_budget_says_how_far_it_is_drawn():
    app = _paste(open_app(), "SequentialLR(LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(), "
                             "milestones=[5])")
    app = _real_run(app, dataset_size=1_000_000, batch_size=1, epochs=1)  # a million steps
    assert not app.exception
    said = [caption.value.replace("\\", "") for caption in app.caption if "Drawn as far" in caption.value]
    assert said and "SequentialLR" in said[0] and "of 1,000,000" in said[0]
    assert said[0].count(" to step ") == 1  # the landing page's other schedules are evaluated over the whole run
