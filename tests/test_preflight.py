"""The pre-flight check against torch stepped for real: the step axis, and each warning where torch does it."""

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from lrviz.schedules.params import SpecError
from lrviz.training.experiment import Experiment
from lrviz.training.preflight import check
from lrviz.training.real_run import CHART_BUCKETS, RealRun, thin


def _optimizer(lr: float = 0.1) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)


def _kinds(text: str, run: RealRun) -> dict[str, list]:
    found, _ = check(text, run)
    kinds: dict[str, list] = {}
    for finding in found:
        kinds.setdefault(finding.kind, []).append(finding)
    return kinds


@pytest.mark.parametrize(("size", "batch", "devices", "drop_last"),
                         [(1000, 32, 1, False), (1000, 32, 3, False), (1001, 10, 4, True), (7, 2, 2, False),
                          (50_000, 64, 8, True)])
def test_batches_per_epoch_are_those_of_a_real_distributed_data_loader(size, batch, devices, drop_last):
    dataset = TensorDataset(torch.zeros(size))
    sampler = DistributedSampler(dataset, num_replicas=devices, rank=0, shuffle=False)
    loader = DataLoader(dataset, batch_size=batch, sampler=sampler, drop_last=drop_last)
    run = RealRun.create(dataset_size=size, batch_size=batch, devices=devices, drop_last=drop_last)
    assert run.batches_per_epoch == len(loader)


@pytest.mark.parametrize(("batches", "accumulation"), [(10, 3), (12, 4), (1, 8), (391, 2)])
def test_optimizer_steps_per_epoch_count_a_last_shorter_accumulation(batches, accumulation):
    # the loop Lightning runs: step after every `accumulation` batches and after the epoch's last batch
    stepped = sum(1 for i in range(batches) if (i + 1) % accumulation == 0 or i + 1 == batches)
    run = RealRun.create(dataset_size=batches * 5, batch_size=5, accumulation=accumulation, epochs=3)
    assert run.steps_per_epoch == stepped and run.total_steps == 3 * stepped


def test_one_cycle_too_short_raises_in_torch_at_the_predicted_step():
    run = RealRun.create(dataset_size=3200, batch_size=32, epochs=5)  # 500 steps, stepped per step
    (finding,) = _kinds("OneCycleLR(max_lr=0.1, total_steps=300)", run)["raises"]
    optimizer = _optimizer()
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=300)
    calls = 0
    with pytest.raises(ValueError, match="Tried to step"):
        for _ in range(run.horizon):
            optimizer.step()
            calls += 1
            scheduler.step()
    assert finding.step == calls == 301 and "301" in finding.message


def test_one_cycle_too_long_never_anneals_and_ends_where_torch_does():
    run = RealRun.create(dataset_size=1000, batch_size=10, epochs=2)  # 200 steps
    found, trace = check("OneCycleLR(max_lr=0.1, total_steps=2000)", run)
    (finding,) = [f for f in found if f.kind == "never_anneals"]
    optimizer = _optimizer()
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=2000)
    for _ in range(run.horizon - 1):
        optimizer.step()
        scheduler.step()
    last = optimizer.param_groups[0]["lr"]
    assert trace.last_lr == pytest.approx(last, rel=1e-12)
    assert f"{last:.3g}" in finding.message and "still warms up" in finding.message
    assert last > 0.1 / 25 / 1e4 * 100  # far from the final lr


def test_cosine_shorter_than_the_run_climbs_back_in_torch_where_the_warning_says():
    run = RealRun.create(dataset_size=100, batch_size=10, epochs=30, per="epoch")
    (finding,) = _kinds("CosineAnnealingLR(T_max=12)", run)["restarts"]
    optimizer = _optimizer()
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=12)
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(run.horizon):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    assert lrs[finding.step] > lrs[finding.step - 1] and min(lrs) == pytest.approx(lrs[12], abs=1e-15)
    assert lrs[24] == pytest.approx(0.1) and "step 24" in finding.message


def test_schedules_that_fit_the_run_get_no_warning():
    run = RealRun.create(dataset_size=6400, batch_size=32, epochs=10)  # 2000 steps per step
    for text in ("CosineAnnealingLR()", "CosineAnnealingLR(T_max=2000)", "OneCycleLR(max_lr=0.1, total_steps=2000)",
                 "get_linear_schedule_with_warmup(num_warmup_steps=200, num_training_steps=2000)",
                 "SequentialLR(LinearLR(start_factor=0.1, total_iters=400), CosineAnnealingLR(), milestones=[400])"):
        assert check(text, run)[0] == [], text


def test_a_warm_up_counted_in_epochs_but_stepped_per_batch_and_the_reverse():
    per_step = RealRun.create(dataset_size=6400, batch_size=32, epochs=10)
    (units,) = _kinds("LinearLR(start_factor=0.1, total_iters=5)", per_step)["units"]
    assert "5 epochs are 1,000 steps" in units.message
    per_epoch = RealRun.create(dataset_size=6400, batch_size=32, epochs=10, per="epoch")
    kinds = _kinds("get_constant_schedule_with_warmup(num_warmup_steps=500)", per_epoch)
    assert "epoch 3" in kinds["units"][0].message  # 500 steps of 200 per epoch
    assert "num_warmup_steps=500" in kinds["unfinished"][0].message


def test_a_schedule_that_never_decays_within_the_run():
    run = RealRun.create(dataset_size=100, batch_size=10, epochs=20, per="epoch")
    (finding,) = _kinds("StepLR(step_size=30, gamma=0.1)", run)["no_decay"]
    assert "step_size=30" in finding.message
    optimizer = _optimizer()
    scheduler = lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for _ in range(run.horizon - 1):
        optimizer.step()
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == 0.1  # torch agrees: the last epoch still trains at the base lr
    assert "no_decay" not in _kinds("StepLR(step_size=10, gamma=0.1)", run)


def test_sequential_milestones_at_zero_and_past_the_end():
    run = RealRun.create(dataset_size=100, batch_size=10, epochs=20, per="epoch")
    zero = _kinds("SequentialLR(LinearLR(start_factor=0.1, total_iters=5), ExponentialLR(gamma=0.5), "
                  "milestones=[0])", run)["milestone"]
    assert "part 1 (LinearLR) never runs" in zero[0].message
    optimizer = _optimizer()
    parts = [lr_scheduler.LinearLR(optimizer, 0.1, total_iters=5), lr_scheduler.ExponentialLR(optimizer, 0.5)]
    lr_scheduler.SequentialLR(optimizer, parts, milestones=[0])
    assert optimizer.param_groups[0]["lr"] == 0.1  # torch: LinearLR's 0.01 never trains a step
    late = _kinds("SequentialLR(LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(), milestones=[25])",
                  run)
    assert "part 2 (CosineAnnealingLR) never runs" in late["milestone"][0].message


def test_a_warm_up_or_decay_that_does_not_finish_names_its_end():
    run = RealRun.create(dataset_size=1000, batch_size=10, epochs=3)  # 300 steps
    unfinished = _kinds("get_linear_schedule_with_warmup(num_warmup_steps=100, num_training_steps=3000)",
                        run)["unfinished"]
    assert len(unfinished) == 1 and "num_training_steps=3,000" in unfinished[0].message
    # transformers' own formula at the last step the run trains: (3000 - 299) / (3000 - 100)
    assert f"{0.1 * 2701 / 2900:.3g}" in unfinished[0].message


def test_a_long_run_is_evaluated_whole_at_samples_with_torchs_own_values():
    run = RealRun.create(dataset_size=100_000, batch_size=1, epochs=1)  # 100,000 steps, over a budget of 2,500
    for text, build, exact in [
        ("CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=333)",
         lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=333), True),
        ("CosineAnnealingLR(T_max=30000)", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=30_000), False)]:
        found, trace = check(text, run, schedules=400)
        assert trace.sampled and trace.complete and len(trace.steps) <= 2 * CHART_BUCKETS + 2
        optimizer = _optimizer()
        scheduler = build(optimizer)
        stepped = [optimizer.param_groups[0]["lr"]]
        for _ in range(run.horizon):
            optimizer.step()
            scheduler.step()
            stepped.append(optimizer.param_groups[0]["lr"])
        expected = np.array(stepped)[trace.steps]
        if exact:  # from the step count alone: the very floats a sequence of steps gives
            assert np.array_equal(trace.lr, expected)
        else:  # torch's closed form: equal up to rounding
            np.testing.assert_allclose(trace.lr, expected, rtol=1e-9, atol=1e-15)
        assert trace.last_lr == pytest.approx(stepped[run.horizon - 1], rel=1e-9)
    assert "restarts" in {f.kind for f in found}  # T_max=30,000 of 100,000 steps: seen though sampled


def test_a_long_run_of_a_composite_is_stepped_within_the_budget():
    run = RealRun.create(dataset_size=10**6, batch_size=1, epochs=3)  # 3 million scheduler steps
    text = "SequentialLR(LinearLR(start_factor=0.1, total_iters=100), ExponentialLR(gamma=0.9999), milestones=[100])"
    _found, trace = check(text, run, schedules=400)
    assert trace.horizon == 3_000_000 and 0 < trace.stepped < trace.horizon and not trace.complete
    assert not trace.sampled and len(trace.steps) <= 2 * CHART_BUCKETS + 2


def test_thinning_keeps_a_one_step_spike():
    values = np.zeros(100_000)
    values[54_321] = 1.0
    steps, kept = thin(np.arange(len(values)), values)
    assert 54_321 in steps and kept.max() == 1.0 and len(steps) <= 2 * CHART_BUCKETS + 2


def test_lrvizs_own_run_is_checked_the_same_way():
    experiment = Experiment.create(epochs=20)
    run = RealRun.of(experiment)
    assert (run.horizon, run.steps_per_epoch) == (20, experiment.steps_per_epoch)
    kinds = _kinds("OneCycleLR(max_lr=0.1, total_steps=2000)", run)
    assert "never_anneals" in kinds and "units" in kinds  # 2000 = 20 epochs × 100 steps, stepped per epoch


def test_bad_real_runs_are_refused_with_the_option_named():
    with pytest.raises(SpecError, match="batch_size"):
        RealRun.create(dataset_size=10, batch_size=0)
    with pytest.raises(SpecError, match="drop_last"):
        RealRun.create(dataset_size=10, batch_size=32, drop_last=True)


def test_the_api_returns_the_warnings_and_refuses_bad_options():
    import lrviz

    found = lrviz.preflight(["CosineAnnealingLR(T_max=10)", "CosineAnnealingLR()"], dataset_size=3200,
                            batch_size=32, epochs=4)
    assert {f.schedule for f in found} == {"CosineAnnealingLR(T_max=10)"} and "restarts" in {f.kind for f in found}
    assert lrviz.preflight("CosineAnnealingLR()", dataset_size=3200, batch_size=32) == []
    with pytest.raises(SpecError, match="colour"):
        lrviz.preflight("StepLR()", dataset_size=10, batch_size=2, colour=1)


def test_a_per_epoch_decay_stepped_per_batch_fades_where_torch_says():
    run = RealRun.create(dataset_size=6400, batch_size=32, epochs=10)  # 200 steps per epoch, stepped per step
    (finding,) = _kinds("ExponentialLR(gamma=0.7)", run)["faded"]
    optimizer = _optimizer()
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.7)
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(40):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    assert lrs[finding.step] < 1e-4 * 0.1 <= lrs[finding.step - 1]
    assert "faded" not in _kinds("ExponentialLR(gamma=0.9995)", run)  # 0.9995 ** 2000 = 0.37: a real decay
    (units,) = _kinds("StepLR(step_size=4, gamma=0.5)", run)["units"]
    assert "step_size=4" in units.message and "800 steps" in units.message


def test_lrvizs_own_run_reuses_the_trace_its_training_stepped():
    from lrviz.schedules.schedule import resolve
    from lrviz.training.real_run import own_trace, trace
    from lrviz.training.traces import lr_trace

    experiment = Experiment.create(epochs=6, step_per="batch", samples=200, batch_size=10)  # 120 steps
    resolved = resolve("CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=7)", experiment.context())
    lrs, _momenta = lr_trace(resolved, experiment)
    own, stepped = own_trace(resolved, experiment), trace(resolved, experiment)
    assert np.array_equal(own.lr, lrs) and np.array_equal(own.lr, stepped.lr)
    assert np.array_equal(own.momentum, stepped.momentum) and own.last_lr == stepped.last_lr == lrs[119]
    found, _ = check(resolved.schedule, RealRun.of(experiment), experiment, tracer=own_trace)
    assert found == check(resolved.schedule, RealRun.of(experiment), experiment)[0]
