"""Other libraries' scheduler calls give the lr the library itself gives, step by step.

transformers, timm, mmengine and Keras (3, torch backend) are dev dependencies installed beside the pinned torch
(requirements-dev.txt, with --no-deps: timm's package imports torchvision, so its scheduler modules are loaded
without timm's __init__). optax needs jax and fastai torchvision: their readings are checked against their
documented examples and the formulas of their source. detectron2 too (it is not on PyPI).
"""

import bisect
import math
import os
import sys
import types
from pathlib import Path

import pytest
import torch

import lrviz
from lrviz.schedules.params import SpecError

os.environ.setdefault("KERAS_BACKEND", "torch")
LR = 0.1


def _experiment(step_per: str = "batch", epochs: int = 6, lr: float = LR) -> lrviz.Experiment:
    return lrviz.Experiment.create(epochs=epochs, samples=200, batch_size=20, step_per=step_per, lr=lr)


def lrs(code: str, experiment: lrviz.Experiment, define: dict | None = None) -> list[float]:
    """lrviz's lr at every scheduler step of the run, for pasted code."""
    ctx = experiment.context()
    resolved = lrviz.resolve(lrviz.parse(code, define=define, run=ctx), ctx)
    return list(lrviz.lr_trace(resolved, experiment)[0][: ctx.horizon])


def _optimizer(lr: float = LR) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)


def _stepped(scheduler, optimizer, steps: int) -> list[float]:
    found = []
    for _ in range(steps):
        found.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return found


# --- transformers -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, extra", [("linear", {}), ("cosine", {"num_cycles": 1.5}),
                                         ("cosine_with_restarts", {"num_cycles": 2}),
                                         ("polynomial", {"lr_end": 0.01, "power": 2.0}),
                                         ("constant_with_warmup", {}), ("inverse_sqrt", {"timescale": 7})])
def test_get_scheduler_gives_transformers_lr(name, extra):
    import transformers

    experiment = _experiment()
    total = experiment.total_steps
    code = (f"scheduler = get_scheduler({name!r}, optimizer, num_warmup_steps=7, num_training_steps=total_steps, "
            f"scheduler_specific_kwargs={extra!r})")
    optimizer = _optimizer()
    theirs = transformers.get_scheduler(name, optimizer, num_warmup_steps=7, num_training_steps=total,
                                        scheduler_specific_kwargs=extra)
    assert lrs(code, experiment) == pytest.approx(_stepped(theirs, optimizer, total), rel=1e-12, abs=1e-15)


# --- timm ---------------------------------------------------------------------------------------------------

def _timm(module: str):
    """timm's scheduler module, loaded without timm/__init__ (which imports torchvision)."""
    import importlib
    import importlib.util

    if "timm" not in sys.modules:
        spec = importlib.util.find_spec("timm")
        if spec is None:
            pytest.skip("timm is not installed")
        root = Path(spec.submodule_search_locations[0])
        for name, path in (("timm", root), ("timm.scheduler", root / "scheduler")):
            package = types.ModuleType(name)
            package.__path__ = [str(path)]
            sys.modules[name] = package
    return importlib.import_module(f"timm.scheduler.{module}")


def _timm_lrs(scheduler, optimizer, steps: int, per_batch: bool) -> list[float]:
    found = []
    for t in range(steps):
        found.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if per_batch:
            scheduler.step_update(num_updates=t + 1)
        else:
            scheduler.step(epoch=t + 1)
    return found


TIMM = [
    ("cosine_lr", "CosineLRScheduler", dict(t_initial=4, lr_min=1e-3, warmup_t=2, warmup_lr_init=1e-4)),
    ("cosine_lr", "CosineLRScheduler", dict(t_initial=3, lr_min=1e-3, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=3,
                                            warmup_t=1, warmup_lr_init=1e-2, warmup_prefix=True, k_decay=1.5)),
    ("step_lr", "StepLRScheduler", dict(decay_t=2, decay_rate=0.5, warmup_t=1, warmup_lr_init=1e-3)),
    ("multistep_lr", "MultiStepLRScheduler", dict(decay_t=[2, 4], decay_rate=0.3)),
]


@pytest.mark.parametrize("module, name, kwargs", TIMM)
@pytest.mark.parametrize("per_batch", [False, True])
def test_timm_schedulers_give_timms_lr(module, name, kwargs, per_batch):
    cls = getattr(_timm(module), name)
    experiment = _experiment("batch" if per_batch else "epoch", epochs=12)
    if per_batch:  # the same lengths in updates
        kwargs = {k: ([v * 5 for v in value] if isinstance(value, list) else value * 5)
                  if k in ("t_initial", "decay_t", "warmup_t") else value for k, value in kwargs.items()}
    arguments = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    code = f"sched = timm.scheduler.{name}(optimizer, {arguments}, t_in_epochs={not per_batch})"
    optimizer = _optimizer()
    theirs = cls(optimizer, **kwargs, t_in_epochs=not per_batch)
    horizon = experiment.context().horizon
    assert lrs(code, experiment) == pytest.approx(_timm_lrs(theirs, optimizer, horizon, per_batch), rel=1e-12)


def test_create_scheduler_v2_gives_timms_lr():
    factory = _timm("scheduler_factory")
    experiment = _experiment("batch", epochs=8)
    code = ("scheduler, num_epochs = create_scheduler_v2(optimizer, sched='cosine', num_epochs=args.epochs, "
            "warmup_epochs=1, warmup_lr=1e-4, min_lr=1e-5, step_on_epochs=False, "
            "updates_per_epoch=len(train_loader))")
    optimizer = _optimizer()
    theirs, _ = factory.create_scheduler_v2(optimizer, sched="cosine", num_epochs=8, warmup_epochs=1, warmup_lr=1e-4,
                                            min_lr=1e-5, step_on_epochs=False, updates_per_epoch=10)
    assert lrs(code, experiment) == pytest.approx(_timm_lrs(theirs, optimizer, 80, True), rel=1e-12)


def test_timm_counts_epochs_by_default_and_says_so_in_a_per_batch_run():
    with pytest.raises(SpecError, match=r"timm's CosineLRScheduler counts epochs .*t_in_epochs=True.*once per epoch"):
        lrs("CosineLRScheduler(optimizer, t_initial=10)", _experiment("batch"))


# --- mmengine -----------------------------------------------------------------------------------------------

MMENGINE = [
    # mmdetection's default: a warm-up per iteration, then milestones per epoch
    [dict(type="LinearLR", start_factor=0.001, by_epoch=False, begin=0, end=25),
     dict(type="MultiStepLR", begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1)],
    [dict(type="LinearLR", start_factor=0.1, by_epoch=True, begin=0, end=2, convert_to_iter_based=True),
     dict(type="CosineAnnealingLR", T_max=10, eta_min=1e-4, by_epoch=True, begin=2, end=12,
          convert_to_iter_based=True)],
    [dict(type="PolyLR", eta_min=1e-4, power=0.9, begin=0, end=120, by_epoch=False)],
    [dict(type="StepLR", step_size=3, gamma=0.5, by_epoch=True)],
    [dict(type="ConstantLR", factor=0.5, begin=0, end=4),  # epochs, in a run stepped per batch: it steps
     dict(type="MultiStepLR", milestones=[3, 5], gamma=0.5, begin=4, end=12)],
    [dict(type="ConstantLR", factor=0.5, begin=0, end=40, by_epoch=False),
     dict(type="ExponentialLR", gamma=0.97, begin=40, end=120, by_epoch=False)],
]


def _config_code(config: list[dict], literal: bool) -> str:
    """As a config file writes it: `dict(type=...)` calls, or `{'type': ...}` literals."""
    if literal:
        return f"param_scheduler = {config!r}"
    calls = [f"dict({', '.join(f'{k}={v!r}' for k, v in item.items())})" for item in config]
    return f"param_scheduler = [{', '.join(calls)}]"


def _mmengine_lrs(config: list[dict], optimizer, epochs: int, per_epoch: int) -> list[float]:
    """mmengine's own schedulers, stepped as its ParamSchedulerHook steps them."""
    from mmengine.optim import scheduler as mm

    schedulers = []
    for item in config:
        item = dict(item)
        cls = getattr(mm, item.pop("type"))
        if item.pop("convert_to_iter_based", False):
            schedulers.append(cls.build_iter_from_epoch(optimizer, **item, epoch_length=per_epoch))
        else:
            schedulers.append(cls(optimizer, **item))
    found = []
    for _ in range(epochs):
        for _ in range(per_epoch):
            found.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
        for scheduler in schedulers:
            if scheduler.by_epoch:
                scheduler.step()
    return found


@pytest.mark.parametrize("config", MMENGINE)
@pytest.mark.parametrize("literal", [False, True])
def test_mmengine_param_scheduler_gives_mmengines_lr(config, literal):
    pytest.importorskip("mmengine")
    experiment = _experiment("batch", epochs=12)
    theirs = _mmengine_lrs(config, _optimizer(), 12, 10)
    assert lrs(_config_code(config, literal), experiment) == pytest.approx(theirs, rel=1e-9, abs=1e-15)


def test_mmengine_iteration_parts_in_a_per_epoch_run_are_refused_saying_why():
    with pytest.raises(SpecError, match=r"counts optimizer steps .*by_epoch=False.*after every batch"):
        lrs(_config_code(MMENGINE[0], False), _experiment("epoch", epochs=12))


def test_mmengine_parts_that_do_not_follow_one_another_are_refused_naming_them():
    code = ("param_scheduler = [dict(type='LinearLR', begin=0, end=3), "
            "dict(type='CosineAnnealingLR', begin=5, end=12)]")
    with pytest.raises(SpecError, match=r"dict\(type='CosineAnnealingLR', ...\) begins at 5 but .*LinearLR.* ends "
                                        "at 3"):
        lrs(code, _experiment("epoch", epochs=12))


@pytest.mark.parametrize("kind", ["OneCycleLR", "CosineRestartLR", "ReduceOnPlateauLR"])
def test_mmengine_types_not_read_are_named(kind):
    with pytest.raises(SpecError, match=rf"mmengine's dict\(type='{kind}', ...\) is not read: "):
        lrviz.parse(f"param_scheduler = [dict(type='{kind}', by_epoch=True)]")


# --- Keras --------------------------------------------------------------------------------------------------

KERAS = [
    ("ExponentialDecay", (0.1,), dict(decay_steps=7, decay_rate=0.5)),
    ("ExponentialDecay", (0.1,), dict(decay_steps=7, decay_rate=0.5, staircase=True)),
    ("PiecewiseConstantDecay", (), dict(boundaries=[10, 30], values=[0.1, 0.05, 0.001])),
    ("PolynomialDecay", (0.1,), dict(decay_steps=20, end_learning_rate=0.001, power=2.0)),
    ("PolynomialDecay", (0.1,), dict(decay_steps=20, end_learning_rate=0.001, cycle=True)),
    ("InverseTimeDecay", (0.1,), dict(decay_steps=5, decay_rate=0.5)),
    ("CosineDecay", (0.1,), dict(decay_steps=40, alpha=0.1)),
    ("CosineDecay", (0.01,), dict(decay_steps=40, warmup_target=0.1, warmup_steps=10)),
]


@pytest.mark.parametrize("name, args, kwargs", KERAS)
def test_keras_schedules_give_keras_lr(name, args, kwargs):
    keras = pytest.importorskip("keras")
    experiment = _experiment("batch")
    schedule = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    theirs = [float(schedule(step)) for step in range(experiment.total_steps)]
    arguments = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    code = f"lr_schedule = keras.optimizers.schedules.{name}({arguments})"
    assert lrs(code, experiment) == pytest.approx(theirs, rel=2e-6, abs=1e-8)  # Keras computes in float32


def test_keras_counts_optimizer_steps_and_never_suggests_a_torch_class_that_does_not_exist():
    with pytest.raises(SpecError, match="Keras's CosineDecay counts optimizer steps") as raised:
        lrs("keras.optimizers.schedules.CosineDecay(0.1, 100)", _experiment("epoch"))
    for code in ("tf.keras.optimizers.schedules.CosineDecayRestarts(0.1, 100)",
                 "keras.callbacks.LearningRateScheduler(scheduler)", "keras.optimizers.schedules.CosineDecy(0.1, 5)"):
        with pytest.raises(SpecError) as raised:
            lrviz.parse(code)
        message = str(raised.value)
        assert message.startswith("Keras's ")
        named = {word.strip("(),.:'") for word in message.split() if word.rstrip("(),.:'").endswith(("LR", "Lr"))}
        assert named <= set(dir(torch.optim.lr_scheduler)), message


# --- optax (not installable beside torch: its documented examples) ----------------------------------------

def test_optax_documented_examples():
    experiment = _experiment("batch", epochs=30)  # 300 steps
    found = lrs("optax.piecewise_constant_schedule(init_value=1.0, boundaries_and_scales={100: 0.1, 200: 0.01})",
                experiment)
    assert [found[50] / LR, found[150] / LR, found[250] / LR] == pytest.approx([1.0, 0.1, 0.001])
    found = lrs("optax.linear_schedule(init_value=1.0, end_value=0.01, transition_steps=100)", experiment)
    assert [found[0] / LR, found[100] / LR, found[200] / LR] == pytest.approx([1.0, 0.01, 0.01])


def test_optax_warmup_cosine_decay_follows_its_source():
    experiment = _experiment("batch", epochs=30)
    code = ("optax.warmup_cosine_decay_schedule(init_value=0.0, peak_value=1e-3, warmup_steps=50, decay_steps=250,"
            " end_value=1e-5, exponent=2.0)")
    peak, alpha = 1e-3, 1e-5 / 1e-3

    def optax_source(count):  # linear_schedule to the peak, joined at warmup_steps to cosine_decay_schedule
        if count < 50:
            return peak * count / 50
        done = min(count - 50, 200)
        return peak * ((1 - alpha) * (0.5 * (1 + math.cos(math.pi * done / 200))) ** 2.0 + alpha)

    expected = [optax_source(t) / peak * LR for t in range(300)]
    assert lrs(code, experiment) == pytest.approx(expected, rel=1e-12, abs=1e-15)


# --- fastai and detectron2 (their source's formulas) --------------------------------------------------------

def test_fit_one_cycle_follows_fastais_combined_cos():
    experiment = _experiment("batch", epochs=4)  # 40 batches
    found = lrs("learn.fit_one_cycle(4, lr_max=1e-3)", experiment)

    def sched_cos(start, end, pos):
        return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2

    expected = [sched_cos(1 / 25, 1, (t / 40) / 0.25) if t / 40 < 0.25 else sched_cos(1, 1e-5, (t / 40 - 0.25) / 0.75)
                for t in range(40)]
    assert [lr / LR for lr in found] == pytest.approx(expected, rel=1e-12)
    assert found[0] == pytest.approx(LR / 25) and max(found) == pytest.approx(LR)


def test_detectron2_warmup_multistep_follows_its_source():
    experiment = _experiment("batch", epochs=10)  # 100 iterations
    code = "WarmupMultiStepLR(optimizer, milestones=[40, 70], gamma=0.5, warmup_factor=0.01, warmup_iters=20)"

    def detectron2_source(t):
        warm = 0.01 * (1 - t / 20) + t / 20 if t < 20 else 1.0
        return LR * warm * 0.5 ** bisect.bisect_right([40, 70], t)

    assert lrs(code, experiment) == pytest.approx([detectron2_source(t) for t in range(100)], rel=1e-12)


# --- names computed at run time ---------------------------------------------------------------------------

def test_names_that_mean_the_runs_length_are_filled_in_and_said():
    experiment = _experiment("batch", epochs=6)  # 10 batches per epoch
    ctx = experiment.context()
    code = ("total_steps = args.epochs * len(train_loader)\n"
            "scheduler = get_linear_schedule_with_warmup(optimizer, 5, total_steps)")
    schedule = lrviz.parse(code, run=ctx)
    assert schedule.given == {"num_warmup_steps": 5, "num_training_steps": 60}
    said = [how for key, how in schedule.origin if key == "@inferred"]
    assert said == ["args.epochs = 6, the run's epochs", "len(train_loader) = 10, the run's batches per epoch"]


def test_other_names_take_defined_values_and_are_named_when_they_have_none():
    code = "scheduler = WarmupMultiStepLR(optimizer, cfg.SOLVER.STEPS, cfg.SOLVER.GAMMA, warmup_iters=10)"
    with pytest.raises(SpecError, match=r"cfg\.SOLVER\.STEPS has no value here"):
        lrviz.parse(code)
    schedule = lrviz.parse(code, define={"cfg.SOLVER.STEPS": [30, 60], "cfg.SOLVER.GAMMA": 0.5})
    assert str(schedule) == ("ChainedScheduler(LinearLR(start_factor=0.001, end_factor=1.0, total_iters=10), "
                             "MultiStepLR(milestones=[30, 60], gamma=0.5))")


def test_a_schedule_counted_in_the_other_unit_is_refused_when_the_run_is_known_later():
    schedule = lrviz.parse("optax.exponential_decay(0.1, transition_steps=10, decay_rate=0.5)")
    with pytest.raises(SpecError, match="counts optimizer steps"):
        lrviz.resolve(schedule, _experiment("epoch").context())
    assert lrviz.resolve(schedule, _experiment("batch").context()).params["decay_steps"] == 10
