"""The figures are pure functions of a Result: what they draw is checked without a browser."""

import numpy as np

import lrviz
from lrviz.figures import MAX_POINTS, loss_figure, lr_figure, momentum_figure, summary

SMALL = dict(samples=200, batch_size=20, epochs=12)


def _result(*schedules: str, **options):
    return lrviz.simulate(list(schedules), lrviz.Experiment.create(**{**SMALL, **options}))


def test_lr_chart_draws_each_schedule_in_its_colour_with_its_lr_per_epoch():
    result = _result("StepLR(step_size=4, gamma=0.5)", "ExponentialLR(gamma=0.8)")
    lr, loss = lr_figure(result), loss_figure(result)
    assert [trace.name for trace in lr.data] == result.labels
    np.testing.assert_allclose(lr.data[0].y, 0.1 * 0.5 ** (np.arange(12) // 4))
    np.testing.assert_allclose(lr.data[1].y, 0.1 * 0.8 ** np.arange(12))
    assert [t.line.color for t in lr.data] == [t.line.color for t in loss.data]  # one colour per schedule
    assert lr.data[0].line.color != lr.data[1].line.color
    assert lr.layout.hovermode == "x unified"


def test_milestones_are_dashed_lines_between_the_epochs_where_the_lr_changes():
    result = _result("StepLR(step_size=4, gamma=0.5)", "MultiStepLR(milestones=[3, 7])")
    shapes = lr_figure(result).layout.shapes
    colors = [trace.line.color for trace in lr_figure(result).data]
    by_schedule = {color: sorted(shape.x0 for shape in shapes if shape.line.color == color) for color in colors}
    assert by_schedule[colors[0]] == [4.5, 8.5]  # lr changes from epoch 4 to epoch 5, and from 8 to 9
    assert by_schedule[colors[1]] == [3.5, 7.5]
    assert all(shape.line.dash == "dot" and shape.yref == "paper" for shape in shapes)
    assert [s.x0 for s in loss_figure(result).layout.shapes] == [s.x0 for s in shapes]


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
    solid = [shape for shape in figure.layout.shapes if shape.line.dash is None]
    assert [shape.x0 for shape in solid] == [at]
    assert [note.text for note in figure.layout.annotations] == ["diverged"]
    table = summary(result)
    assert list(table["schedule"]) == [result.labels[1], result.labels[0]]
    assert table["diverged"].tolist() == ["no", f"at epoch {at}"]


def test_momentum_chart_only_for_schedules_that_cycle_it():
    assert momentum_figure(_result("StepLR()", "ExponentialLR()")) is None
    result = _result("StepLR()", "OneCycleLR()")
    figure = momentum_figure(result)
    assert [trace.name for trace in figure.data] == [result.labels[1]]
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
