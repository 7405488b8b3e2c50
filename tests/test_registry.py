"""Every registry entry, with its defaults and with other valid parameters, gives the lr that
stepping the same torch scheduler by hand gives. A new entry is tested by being declared
(and by adding an example below: a test fails until it has one)."""

import pickle

import pytest
import torch
from torch.optim import lr_scheduler

import lrviz
from lrviz.schedules.formula import Formula

OTHER_PARAMETERS = {
    "LambdaLR": "LambdaLR(lr_lambda='0.5 ** (epoch // 3) if epoch > 1 else 1')",
    "MultiplicativeLR": "MultiplicativeLR(lr_lambda='0.9 if epoch < 6 else 1.05')",
    "StepLR": "StepLR(step_size=2, gamma=0.5)",
    "MultiStepLR": "MultiStepLR(milestones=[2, 5, 9], gamma=0.3)",
    "ConstantLR": "ConstantLR(factor=0.25, total_iters=3)",
    "LinearLR": "LinearLR(start_factor=1.0, end_factor=0.1, total_iters=8)",
    "ExponentialLR": "ExponentialLR(gamma=0.8)",
    "PolynomialLR": "PolynomialLR(total_iters=8, power=2.0)",
    "CosineAnnealingLR": "CosineAnnealingLR(T_max=6, eta_min=0.01)",
    "CosineAnnealingWarmRestarts": "CosineAnnealingWarmRestarts(T_0=2, T_mult=2, eta_min=0.001)",
    "CyclicLR": "CyclicLR(base_lr=0.01, max_lr=0.2, step_size_up=2, step_size_down=3, mode='exp_range', "
                "gamma=0.9, cycle_momentum=False)",
    "OneCycleLR": "OneCycleLR(max_lr=0.3, total_steps=14, pct_start=0.4, anneal_strategy='linear', three_phase=True)",
    "ReduceLROnPlateau": "ReduceLROnPlateau(factor=0.5, patience=0, threshold=0.1, cooldown=1)",
    "SequentialLR": "SequentialLR(ConstantLR(factor=0.5, total_iters=2), ExponentialLR(gamma=0.9), StepLR(step_size=2),"
                    " milestones=[3, 6])",
    "ChainedScheduler": "ChainedScheduler(ConstantLR(factor=0.5, total_iters=3), ExponentialLR(gamma=0.9))",
    "Constant": "Constant()",
    "TimeBasedDecay": "TimeBasedDecay(k=0.5)",
    "StepDecay": "StepDecay(drop=0.25, epochs_drop=3)",
    "ExponentialDecay": "ExponentialDecay(k=0.2)",
    "InverseSqrt": "InverseSqrt(warmup=4)",
    "WarmupCosine": "WarmupCosine(warmup=3, start_factor=0.2, eta_min=0.001)",
    "WarmupStableDecay": "WarmupStableDecay(warmup=2, decay=4, start_factor=0.1, end_factor=0.1)",
    "get_constant_schedule_with_warmup": "get_constant_schedule_with_warmup(num_warmup_steps=4)",
    "get_linear_schedule_with_warmup": "get_linear_schedule_with_warmup(num_warmup_steps=2, num_training_steps=8)",
    "get_cosine_schedule_with_warmup": "get_cosine_schedule_with_warmup(num_warmup_steps=2, num_training_steps=9, "
                                       "num_cycles=1.5)",
    "get_cosine_with_hard_restarts_schedule_with_warmup": "get_cosine_with_hard_restarts_schedule_with_warmup("
                                                          "num_warmup_steps=1, num_training_steps=9, num_cycles=3)",
    "get_polynomial_decay_schedule_with_warmup": "get_polynomial_decay_schedule_with_warmup(num_warmup_steps=2, "
                                                 "num_training_steps=7, lr_end=0.01, power=2.0)",
    "get_inverse_sqrt_schedule": "get_inverse_sqrt_schedule(num_warmup_steps=3, timescale=5)",
    "get_wsd_schedule": "get_wsd_schedule(num_warmup_steps=2, num_decay_steps=4, num_stable_steps=3, "
                        "warmup_type='cosine', decay_type='1-sqrt', min_lr_ratio=0.1)",
    "CosineLRScheduler": "CosineLRScheduler(t_initial=4, lr_min=0.01, cycle_mul=1.5, cycle_decay=0.5, cycle_limit=3, "
                         "warmup_t=2, warmup_lr_init=0.001, k_decay=1.5)",
    "StepLRScheduler": "StepLRScheduler(decay_t=3, decay_rate=0.5, warmup_t=2, warmup_lr_init=0.01, "
                       "warmup_prefix=True)",
    "WarmupCosineDecay": "WarmupCosineDecay(warmup_steps=2, decay_steps=5, start_factor=0.1, alpha=0.05, exponent=2.0)",
    "PolynomialDecay": "PolynomialDecay(decay_steps=3, end_factor=0.1, power=2.0, cycle=True)",
    "RateDecay": "RateDecay(decay_steps=3, decay_rate=0.5, staircase=True, transition_begin=2)",
    "fit_one_cycle": "fit_one_cycle(total_steps=8, pct_start=0.3, div=10.0, div_final=100.0)",
}
DEFAULTS = [f"{name}()" for name in lrviz.REGISTRY]
EXPERIMENT = dict(epochs=10, samples=200, batch_size=20)


def test_every_entry_has_another_example():
    assert set(OTHER_PARAMETERS) == set(lrviz.REGISTRY)


def test_registry_covers_every_torch_scheduler_class():
    classes = {name for name in lr_scheduler.__all__ if name != "LRScheduler"}
    assert classes <= set(lrviz.REGISTRY)
    assert len(lrviz.REGISTRY) >= 20


def _built_by_hand(resolved: lrviz.Resolved, optimizer):
    """The torch class called directly where lrviz's declaration is a plain torch class."""
    spec, params = resolved.spec, dict(resolved.params)
    if spec.family != "torch" or spec.composite:
        return resolved.build(optimizer)
    if "lr_lambda" in params:
        params["lr_lambda"] = Formula(params["lr_lambda"])
    return getattr(lr_scheduler, spec.name)(optimizer, **params)


def _lrs_by_hand(spec: str, frame) -> list[float]:
    """The tutorial's loop with the real model, optimizer and scheduler, recording the lr of each epoch."""
    experiment = lrviz.Experiment.create(**EXPERIMENT)
    resolved = lrviz.resolve(spec, experiment.context())
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=experiment.lr)
    scheduler = _built_by_hand(resolved, optimizer)
    lrs = []
    for epoch in range(experiment.epochs):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if resolved.needs_metric:  # feed the very losses lrviz saw, so the lr reacts the same way
            scheduler.step(frame["loss"].iloc[epoch])
        else:
            scheduler.step()
    return lrs


@pytest.mark.parametrize("spec", DEFAULTS + list(OTHER_PARAMETERS.values()))
def test_lr_column_equals_stepping_torch_by_hand(spec):
    frame = lrviz.run([spec], **EXPERIMENT)
    assert frame["lr"].tolist() == pytest.approx(_lrs_by_hand(spec, frame), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("spec", DEFAULTS)
def test_defaults_also_work_when_stepping_per_batch(spec):
    experiment = lrviz.Experiment.create(epochs=3, samples=200, batch_size=20, step_per="batch")
    resolved = lrviz.resolve(spec, experiment.context())
    lrs, _ = lrviz.lr_trace(resolved, experiment) if not resolved.needs_metric else ([0.1], None)
    assert all(lr >= 0 for lr in lrs)
    frame = lrviz.run([spec], per="step", epochs=3, samples=200, batch_size=20, step_per="batch")
    assert len(frame) == experiment.total_steps
    if not resolved.needs_metric:
        assert frame["lr"].tolist() == pytest.approx(list(lrs[:-1]), rel=1e-12)


@pytest.mark.parametrize("name", list(lrviz.REGISTRY))
def test_declaration_is_complete_and_built_scheduler_pickles(name):
    spec = lrviz.REGISTRY[name]
    assert spec.summary and spec.explain and spec.formula
    for param in spec.params:
        assert param.help, f"{name}.{param.name} has no help text"
    experiment = lrviz.Experiment.create(**EXPERIMENT)
    resolved = lrviz.resolve(f"{name}()", experiment.context())
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = resolved.build(optimizer)
    # module-level multipliers: a scheduler's state (and a cached result) can be pickled
    assert pickle.loads(pickle.dumps(scheduler.state_dict())) is not None


@pytest.mark.parametrize("name", list(lrviz.REGISTRY))
def test_code_snippet_names_the_torch_class(name):
    experiment = lrviz.Experiment.create(**EXPERIMENT)
    code = lrviz.resolve(f"{name}()", experiment.context()).code()
    assert code.startswith("lr_scheduler.") and "optimizer" in code
    compile(code, "<snippet>", "eval")  # it is valid Python
