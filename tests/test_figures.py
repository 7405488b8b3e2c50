"""The figures are pure functions of a Result: what they draw is checked without a browser."""

import math

import numpy as np
import pytest

import lrviz
from lrviz.page.figures import (
    MAX_POINTS,
    loss_figure,
    lr_figure,
    momentum_figure,
    range_test_figure,
    summary,
    summary_table,
)
from lrviz.page.legend import legend_html, short_labels
from lrviz.training.range_test import range_test

SMALL = dict(samples=200, batch_size=20, epochs=12)


def _result(*schedules: str, **options):
    return lrviz.simulate(list(schedules), lrviz.Experiment.create(**{**SMALL, **options}))


def test_lr_chart_draws_each_schedule_in_its_colour_with_its_lr_per_epoch():
    result = _result("StepLR(step_size=4, gamma=0.5)", "ExponentialLR(gamma=0.8)")
    lr, loss = lr_figure(result), loss_figure(result)
    assert [trace.legendgroup for trace in lr.data] == result.labels
    assert [trace.name for trace in lr.data] == ["StepLR", "ExponentialLR"]  # short: the classes differ
    assert [trace.meta for trace in lr.data] == result.labels  # the full strings, for the hover
    np.testing.assert_allclose(lr.data[0].y, 0.1 * 0.5 ** (np.arange(12) // 4))
    np.testing.assert_allclose(lr.data[1].y, 0.1 * 0.8 ** np.arange(12))
    assert [t.line.color for t in lr.data] == [t.line.color for t in loss.data]  # one colour per schedule
    assert lr.data[0].line.color != lr.data[1].line.color
    assert lr.layout.hovermode == "x unified"


def test_milestones_are_dashed_lines_on_the_epochs_where_the_lr_changes():
    result = _result("StepLR(step_size=4, gamma=0.5)", "MultiStepLR(milestones=[3, 7])")
    shapes = [shape for shape in lr_figure(result).layout.shapes if shape.name.startswith("marker ")]
    colors = [trace.line.color for trace in lr_figure(result).data]
    by_schedule = {color: sorted(shape.x0 for shape in shapes if shape.line.color == color) for color in colors}
    assert by_schedule[colors[0]] == [5, 9]  # the first epochs at the new lr (they read 4.5 and 8.5)
    assert by_schedule[colors[1]] == [4, 8]
    lr = result.lr[:: result.experiment.steps_per_epoch]
    for k, color in enumerate(colors):  # on each line the lr is not the previous epoch's
        assert all(lr[x - 1, k] != lr[x - 2, k] for x in by_schedule[color])
    assert all(shape.line.dash is not None and shape.yref == "paper" for shape in shapes)
    assert [s.x0 for s in loss_figure(result).layout.shapes] == [s.x0 for s in lr_figure(result).layout.shapes]


def test_milestones_at_the_same_step_in_similar_colours_can_be_told_apart():
    # six schedules whose markers all fall on epoch 7
    schedules = [f"MultiStepLR(milestones=[6], gamma={g})" for g in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)]
    shapes = lr_figure(_result(*schedules)).layout.shapes
    lines = [shape for shape in shapes if shape.name.startswith("marker ") and shape.x0 == 7]
    caps = [shape for shape in shapes if shape.name.startswith("cap ") and shape.x0 == 7]
    assert len(lines) == len(caps) == 6
    assert len({(line.line.color, line.line.dash) for line in lines}) == 6
    assert len({line.line.dash for line in lines}) >= 5  # not the colour alone
    # each cap in its own row above the plot, so coincident lines still show every schedule
    assert len({(cap.y0, cap.y1) for cap in caps}) == 6
    assert all(cap.ysizemode == "pixel" and cap.yanchor == 1 and cap.y0 > 0 for cap in caps)


def test_log_switches_set_the_axis_type():
    result = _result("ExponentialLR(gamma=0.8)")
    assert lr_figure(result, log=True).layout.yaxis.type == "log"
    assert lr_figure(result, log=False).layout.yaxis.type == "linear"
    assert loss_figure(result, log=False).layout.yaxis.type == "linear"


def test_divergence_is_marked_where_it_happened_and_the_table_puts_it_last():
    result = _result("Constant()", "ConstantLR(factor=0.01, total_iters=12)", lr=3.0)
    at = result.diverged_at[0]
    assert at is not None and result.diverged_at[1] is None
    figure = loss_figure(result)
    marked = [shape for shape in figure.layout.shapes if shape.name == "diverged"]
    assert [shape.x0 for shape in marked] == [at] and marked[0].line.color == figure.data[0].line.color
    notes = [note for note in figure.layout.annotations if note.name == "diverged"]
    assert [note.text for note in notes] == ["✕ Constant diverged"] and notes[0].font.color == marked[0].line.color
    # the loss axis is bounded to the run that trained, not stretched by the one that diverged
    low, high = (10**end for end in figure.layout.yaxis.range)
    trained = result.loss[:, 1]
    assert low <= trained.min() and trained.max() <= high < 100 * trained.max()
    assert not np.isfinite(result.loss[:, 0]).all() or result.loss[:, 0].max() > high
    table = summary(result)
    assert list(table["schedule"]) == [result.labels[1], result.labels[0]]
    assert table["diverged"].tolist() == ["no", f"at epoch {at}"]
    shown = summary_table(result)  # what the page shows: words, never "None" or "nan", where numbers are missing
    cells = [str(cell) for cell in shown.to_numpy().ravel()]
    assert not {"None", "nan", "NaN", "<NA>"} & set(cells)
    assert shown.loc[1, "final loss"] == "diverged" and shown.loc[1, "w1"] == "—"
    assert float(shown.loc[0, "final loss"]) == pytest.approx(table.loc[0, "final loss"], rel=1e-3)


def test_momentum_chart_only_for_schedules_that_cycle_it():
    assert momentum_figure(_result("StepLR()", "ExponentialLR()")) is None
    result = _result("StepLR()", "OneCycleLR()")
    figure = momentum_figure(result)
    assert [trace.legendgroup for trace in figure.data] == [result.labels[1]]
    assert np.ptp(figure.data[0].y) > 0  # it really cycles


def test_per_step_curves_are_thinned_for_the_browser():
    result = _result("CyclicLR()", samples=1000, batch_size=10, epochs=20, step_per="batch")
    figure = lr_figure(result, per="step")
    assert result.lr.shape[0] == 2000 > MAX_POINTS
    assert len(figure.data[0].x) <= MAX_POINTS and figure.data[0].x[-1] == 2000


def test_summary_is_sorted_best_first_with_the_learned_weights():
    result = _result("Constant()", "ExponentialLR(gamma=0.3)", "CosineAnnealingLR()")
    table = summary(result)
    assert table["final loss"].is_monotonic_increasing
    assert {"w1", "w2", "bias"} <= set(table.columns)


def test_short_labels_name_the_class_and_only_the_parameters_that_differ():
    resolved = lrviz.simulate(["StepLR(step_size=4, gamma=0.9)", "StepLR(step_size=8, gamma=0.9)",
                               "ExponentialLR(gamma=0.9)", "StepLR(step_size=4, gamma=0.9)"],
                              lrviz.Experiment.create(**SMALL)).resolved
    assert short_labels(resolved) == ["StepLR step_size=4", "StepLR step_size=8", "ExponentialLR",
                                      "StepLR step_size=4 #2"]
    # a parameter left at its run-dependent default differs from a given one too
    result = _result("CosineAnnealingLR()", "CosineAnnealingLR(T_max=6)")
    assert short_labels(result.resolved) == ["CosineAnnealingLR T_max=12", "CosineAnnealingLR T_max=6"]


def test_composites_differing_in_their_parts_are_labelled_by_their_parts():
    result = _result("SequentialLR(LinearLR(start_factor=0.1), ExponentialLR(gamma=0.8), milestones=[3])",
                     "SequentialLR(LinearLR(start_factor=0.1), StepLR(step_size=2), milestones=[3])")
    assert short_labels(result.resolved) == ["SequentialLR LinearLR+ExponentialLR", "SequentialLR LinearLR+StepLR"]
    result = _result("SequentialLR(LinearLR(start_factor=0.1), ExponentialLR(gamma=0.8), milestones=[3])",
                     "SequentialLR(LinearLR(start_factor=0.2), ExponentialLR(gamma=0.8), milestones=[3])")
    assert short_labels(result.resolved) == ["SequentialLR LinearLR.start_factor=0.1",
                                             "SequentialLR LinearLR.start_factor=0.2"]


@pytest.mark.parametrize("present", [False, True])
def test_text_is_readable_and_larger_when_presenting(present):
    result = _result("OneCycleLR()", "StepLR(step_size=3)")
    figures = [lr_figure(result, present=present), loss_figure(result, present=present),
               momentum_figure(result, present=present)]
    smallest = 16 if present else 13
    for figure in figures:
        layout = figure.layout
        sizes = [layout.font.size, layout.title.font.size, layout.hoverlabel.font.size, layout.xaxis.tickfont.size,
                 layout.yaxis.tickfont.size, layout.xaxis.title.font.size, layout.yaxis.title.font.size]
        assert min(sizes) >= smallest, sizes
        assert layout.showlegend is False  # one legend for all charts, above them
    html = legend_html(short_labels(result.resolved), ["#000", "#111"], present)
    assert int(html.split("font-size:")[1].split("px")[0]) >= smallest + 1
    # presenting, two charts stacked (and the story above them) fit one 1080-pixel screen
    assert 2 * lr_figure(result, present=True).layout.height < 1080 - 250


def test_user_text_in_trace_names_hover_and_legend_is_escaped():
    schedules = ["LambdaLR(lr_lambda='1 if epoch < 3 else 0.5')", "LambdaLR(lr_lambda='0.9 ** epoch')"]
    result = _result(*schedules)
    for figure in (lr_figure(result), loss_figure(result, per="step")):
        for trace in figure.data:
            for text in (trace.name, trace.meta or ""):
                assert "<" not in text
        first = next(trace for trace in figure.data if trace.meta)  # a faint per-step trace has no hover
        assert "&lt; 3" in first.name and "&lt; 3" in first.meta
        assert first.hovertemplate.startswith("%{meta}:")  # the user's text is no template
    assert lr_figure(result).data[0].legendgroup == result.labels[0]  # the raw label, which is never shown
    html = legend_html(short_labels(result.resolved), ["#000", "#111"])
    assert "epoch &lt; 3" in html and "epoch < 3" not in html


def test_range_test_labels_sit_on_their_lines_on_the_log_axis():
    test = range_test(lrviz.Experiment.create(**SMALL), num_steps=60)
    figure = range_test_figure(test, {"steepest descent": test.steepest, "minimum / 10": test.min_over_ten})
    assert figure.layout.xaxis.type == "log"
    lines = {shape.name: shape.x0 for shape in figure.layout.shapes}
    assert lines == {"steepest descent": test.steepest, "minimum / 10": test.min_over_ten}
    for note in figure.layout.annotations:  # an annotation's x on a log axis is log10 of the value
        name = note.text.split(":")[0]
        assert note.x == pytest.approx(math.log10(lines[name]))
