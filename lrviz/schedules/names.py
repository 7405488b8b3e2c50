"""What each lrviz schedule is called in Keras, Hugging Face transformers, timm and optax.

Calls are written with lrviz's parameter names (`lr` is the optimizer's base lr, `T` the
run's length in scheduler steps); None where the library has no ready-made equivalent.
Conventions that differ everywhere, so not repeated in each note:

- Keras `LearningRateSchedule`s and optax schedules are functions of the optimizer step
  (update) count; a torch scheduler counts its own `step()` calls, i.e. epochs when it
  is stepped once per epoch. Multiply lengths by the batches per epoch to convert.
  Keras' `LearningRateScheduler` callback, in contrast, is called once per epoch.
- transformers' `get_*_schedule*` functions return a torch `LambdaLR`, stepped per
  batch; their warm-up starts at lr 0 (the first update is taken with lr 0).
- timm schedulers are stepped with `scheduler.step(epoch)` (t_in_epochs=True, default)
  or `scheduler.step_update(num_updates)`, not with a bare `step()`.
- Keras `PiecewiseConstantDecay` and optax `piecewise_constant_schedule` switch values
  one step *after* a boundary (step > boundary); torch switches at the milestone, hence
  the `- 1` in the calls below.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Equivalents:
    keras: str | None
    transformers: str | None
    timm: str | None
    optax: str | None
    note: str = ""


EQUIVALENTS: dict[str, Equivalents] = {
    "LambdaLR": Equivalents(
        keras="keras.callbacks.LearningRateScheduler(lambda epoch, current: lr * f(epoch))",
        transformers=None, timm=None,
        optax="lambda count: lr * f(count)  # an optax schedule is any function of the step count",
        note="transformers builds all its schedules as LambdaLR. Keras' callback passes the current lr "
             "too: return lr * f(epoch) from the base lr, not current * f(epoch)."),
    "MultiplicativeLR": Equivalents(
        keras="keras.callbacks.LearningRateScheduler(lambda epoch, current: current * f(epoch) if epoch else current)",
        transformers=None, timm=None, optax=None,
        note="The one schedule that multiplies the previous lr; optax schedules are stateless functions, "
             "so write the running product out. Keras calls the callback before epoch 0 too: skip it there."),
    "StepLR": Equivalents(
        keras="keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=step_size, decay_rate=gamma, "
              "staircase=True)",
        transformers=None,
        timm="timm.scheduler.StepLRScheduler(optimizer, decay_t=step_size, decay_rate=gamma)",
        optax="optax.exponential_decay(lr, transition_steps=step_size, decay_rate=gamma, staircase=True)"),
    "MultiStepLR": Equivalents(
        keras="keras.optimizers.schedules.PiecewiseConstantDecay(boundaries=[m - 1 for m in milestones], "
              "values=[lr * gamma**i for i in range(len(milestones) + 1)])",
        transformers=None,
        timm="timm.scheduler.MultiStepLRScheduler(optimizer, decay_t=milestones, decay_rate=gamma)",
        optax="optax.piecewise_constant_schedule(lr, {m - 1: gamma for m in milestones})"),
    "ConstantLR": Equivalents(
        keras="keras.optimizers.schedules.PiecewiseConstantDecay(boundaries=[total_iters - 1], "
              "values=[lr * factor, lr])",
        transformers=None, timm=None,
        optax="optax.piecewise_constant_schedule(lr * factor, {total_iters - 1: 1 / factor})",
        note="transformers' get_constant_schedule_with_warmup is a linear ramp from 0, not a constant low lr."),
    "LinearLR": Equivalents(
        keras="keras.optimizers.schedules.PolynomialDecay(lr * start_factor, decay_steps=total_iters, "
              "end_learning_rate=lr * end_factor, power=1.0)",
        transformers=None, timm=None,
        optax="optax.linear_schedule(lr * start_factor, lr * end_factor, transition_steps=total_iters)",
        note="transformers' get_linear_schedule_with_warmup is a warm-up from 0 then a linear decay to 0; "
             "timm's warmup_t/warmup_lr_init give every timm scheduler a linear warm-up."),
    "ExponentialLR": Equivalents(
        keras="keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=1, decay_rate=gamma)",
        transformers=None,
        timm="timm.scheduler.StepLRScheduler(optimizer, decay_t=1, decay_rate=gamma)",
        optax="optax.exponential_decay(lr, transition_steps=1, decay_rate=gamma)"),
    "PolynomialLR": Equivalents(
        keras="keras.optimizers.schedules.PolynomialDecay(lr, decay_steps=total_iters, end_learning_rate=0.0, "
              "power=power)",
        transformers="get_polynomial_decay_schedule_with_warmup(optimizer, num_warmup_steps=0, "
                     "num_training_steps=total_iters, lr_end=0.0, power=power)",
        timm="timm.scheduler.PolyLRScheduler(optimizer, t_initial=total_iters, power=power)",
        optax="optax.polynomial_schedule(lr, end_value=0.0, power=power, transition_steps=total_iters)",
        note="Defaults differ: Keras ends at end_learning_rate=1e-4, transformers at lr_end=1e-7, "
             "timm uses power=0.5."),
    "CosineAnnealingLR": Equivalents(
        keras="keras.optimizers.schedules.CosineDecay(lr, decay_steps=T_max, alpha=eta_min / lr)",
        transformers="get_cosine_with_min_lr_schedule_with_warmup(optimizer, num_warmup_steps=0, "
                     "num_training_steps=T_max, min_lr=eta_min)",
        timm="timm.scheduler.CosineLRScheduler(optimizer, t_initial=T_max, lr_min=eta_min)",
        optax="optax.cosine_decay_schedule(lr, decay_steps=T_max, alpha=eta_min / lr)",
        note="Keras, optax and timm hold eta_min after T_max; torch's cosine climbs back up. Keras' and "
             "optax's alpha is a fraction of lr. For eta_min = 0, transformers has get_cosine_schedule_with_warmup."),
    "CosineAnnealingWarmRestarts": Equivalents(
        keras="keras.optimizers.schedules.CosineDecayRestarts(lr, first_decay_steps=T_0, t_mul=T_mult, "
              "m_mul=1.0, alpha=eta_min / lr)",
        transformers="get_cosine_with_hard_restarts_schedule_with_warmup(optimizer, num_warmup_steps=0, "
                     "num_training_steps=T, num_cycles=T // T_0)",
        timm="timm.scheduler.CosineLRScheduler(optimizer, t_initial=T_0, cycle_mul=T_mult, lr_min=eta_min, "
             "cycle_limit=number_of_cycles)",
        optax="optax.sgdr_schedule([dict(init_value=lr, peak_value=lr, warmup_steps=0, decay_steps=T_0 * T_mult**i, "
              "end_value=eta_min) for i in range(number_of_cycles)])",
        note="Keras defaults to t_mul=2.0 (torch: T_mult=1); timm's cycle_limit defaults to 1, i.e. no "
             "restart; transformers' version only has equal cycles decaying to 0."),
    "CyclicLR": Equivalents(
        keras=None, transformers=None, timm=None, optax=None,
        note="No built-in triangular cycle in these four: TensorFlow Addons had "
             "tfa.optimizers.CyclicalLearningRate (now deprecated); in optax, join_schedules of "
             "linear_schedule pieces. None of them cycles momentum as torch does by default."),
    "OneCycleLR": Equivalents(
        keras=None, transformers=None, timm=None,
        optax="optax.cosine_onecycle_schedule(transition_steps=total_steps, peak_value=max_lr, "
              "pct_start=pct_start, div_factor=div_factor, final_div_factor=final_div_factor)",
        note="optax does not cycle momentum, and its linear_onecycle_schedule has three phases (like "
             "three_phase=True). fastai's fit_one_cycle defaults to div=25, pct_start=0.25 and "
             "div_final=1e5, the last relative to max_lr (torch: final lr = max_lr / (div_factor × "
             "final_div_factor)), and cycles momentum 0.95 → 0.85 → 0.95."),
    "ReduceLROnPlateau": Equivalents(
        keras="keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=factor, patience=patience, "
              "min_delta=threshold, cooldown=cooldown, min_lr=min_lr)",
        transformers="get_reduce_on_plateau_schedule(optimizer, factor=factor, patience=patience)",
        timm="timm.scheduler.PlateauLRScheduler(optimizer, decay_rate=factor, patience_t=patience, "
             "threshold=threshold, cooldown_t=cooldown, lr_min=min_lr, mode='min')",
        optax="optax.chain(optimizer, optax.contrib.reduce_on_plateau(factor=factor, patience=patience, "
              "rtol=threshold, cooldown=cooldown))",
        note="Keras' min_delta is absolute (torch's threshold is relative by default). timm defaults to "
             "mode='max' (it watches accuracy). optax's version scales the updates and counts update() "
             "calls, each given value=loss; transformers returns torch's own class."),
    "SequentialLR": Equivalents(
        keras=None, transformers=None, timm=None,
        optax="optax.join_schedules(schedules, boundaries=milestones)",
        note="Like SequentialLR, join_schedules restarts each schedule's count at its boundary."),
    "ChainedScheduler": Equivalents(
        keras=None, transformers=None, timm=None, optax=None,
        note="Multiply the schedules yourself: lambda count: f(count) * g(count) in optax, a "
             "LearningRateSchedule subclass in Keras."),
    "Constant": Equivalents(
        keras="learning_rate=lr  # a plain float", transformers="get_constant_schedule(optimizer)",
        timm=None, optax="optax.constant_schedule(lr)"),
    "TimeBasedDecay": Equivalents(
        keras="keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=k)",
        transformers=None, timm=None, optax=None,
        note="Old Keras optimizers' decay= argument applied this per update."),
    "StepDecay": Equivalents(
        keras="keras.callbacks.LearningRateScheduler(lambda epoch, current: lr * drop ** math.floor((1 + epoch) "
              "/ epochs_drop))",
        transformers=None, timm=None, optax=None,
        note="The +1 moves every drop one step earlier than ExponentialDecay(staircase=True), StepLRScheduler "
             "or optax's staircase exponential_decay, which all drop at multiples of the interval."),
    "ExponentialDecay": Equivalents(
        keras="keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=1, decay_rate=math.exp(-k))",
        transformers=None,
        timm="timm.scheduler.StepLRScheduler(optimizer, decay_t=1, decay_rate=math.exp(-k))",
        optax="optax.exponential_decay(lr, transition_steps=1, decay_rate=math.exp(-k))"),
    "InverseSqrt": Equivalents(
        keras=None, transformers="get_inverse_sqrt_schedule(optimizer, num_warmup_steps=warmup)", timm=None,
        optax=None,
        note="transformers warms up as step / warmup and decays as sqrt(warmup / step): lrviz's curve one "
             "step later, from 0. In Keras and optax write it as a function (the TensorFlow Transformer "
             "tutorial's CustomSchedule)."),
    "WarmupCosine": Equivalents(
        keras="keras.optimizers.schedules.CosineDecay(lr * start_factor, decay_steps=T - warmup, "
              "alpha=eta_min / lr, warmup_target=lr, warmup_steps=warmup)",
        transformers="get_cosine_with_min_lr_schedule_with_warmup(optimizer, num_warmup_steps=warmup, "
                     "num_training_steps=T, min_lr=eta_min)",
        timm="timm.scheduler.CosineLRScheduler(optimizer, t_initial=T - warmup, lr_min=eta_min, warmup_t=warmup, "
             "warmup_lr_init=lr * start_factor, warmup_prefix=True)",
        optax="optax.warmup_cosine_decay_schedule(lr * start_factor, peak_value=lr, warmup_steps=warmup, "
              "decay_steps=T, end_value=eta_min)",
        note="optax's decay_steps includes the warm-up, Keras' does not; transformers warms up from 0 "
             "(its get_cosine_schedule_with_warmup is the eta_min = 0 case)."),
    "WarmupStableDecay": Equivalents(
        keras=None,
        transformers="get_wsd_schedule(optimizer, num_warmup_steps=warmup, num_decay_steps=decay, "
                     "num_training_steps=T, decay_type='linear', min_lr_ratio=end_factor)",
        timm="timm.scheduler.WSDLRScheduler(optimizer, t_initial=T - warmup, decay_t=decay, lr_min=lr * end_factor, "
             "decay_fn='linear', warmup_t=warmup, warmup_lr_init=lr * start_factor)",
        optax=None,
        note="Both default to other decay shapes (transformers: cosine, timm: 1-sqrt). transformers' warm-up "
             "starts at min_lr_ratio, not at a separate start factor; WSDLRScheduler is recent in timm. In "
             "optax, join_schedules of linear_schedule, constant_schedule and linear_schedule."),
    "get_constant_schedule_with_warmup": Equivalents(
        keras=None, transformers="get_constant_schedule_with_warmup(optimizer, num_warmup_steps=w)", timm=None,
        optax="optax.join_schedules([optax.linear_schedule(0.0, lr, w), optax.constant_schedule(lr)], [w])",
        note="In Keras, a LearningRateSchedule subclass returning lr * min(1, step / w)."),
    "get_linear_schedule_with_warmup": Equivalents(
        keras=None, transformers="get_linear_schedule_with_warmup(optimizer, num_warmup_steps=w, "
                                 "num_training_steps=T)",
        timm=None,
        optax="optax.join_schedules([optax.linear_schedule(0.0, lr, w), optax.linear_schedule(lr, 0.0, T - w)], [w])",
        note="torch: SequentialLR of LinearLR warm-up and LinearLR decay (LinearLR cannot start at 0)."),
    "get_cosine_schedule_with_warmup": Equivalents(
        keras="keras.optimizers.schedules.CosineDecay(0.0, decay_steps=T - w, warmup_target=lr, warmup_steps=w)",
        transformers="get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=w, num_training_steps=T)",
        timm=None,
        optax="optax.warmup_cosine_decay_schedule(0.0, peak_value=lr, warmup_steps=w, decay_steps=T)",
        note="The same curve as WarmupCosine with start_factor 0 and eta_min 0, for num_cycles = 0.5."),
    "get_cosine_with_hard_restarts_schedule_with_warmup": Equivalents(
        keras=None, transformers="get_cosine_with_hard_restarts_schedule_with_warmup(optimizer, "
                                 "num_warmup_steps=w, num_training_steps=T, num_cycles=c)",
        timm=None, optax=None,
        note="Keras' CosineDecayRestarts and timm's CosineLRScheduler(cycle_limit=c) restart the cosine too, "
             "without this warm-up; in optax, join_schedules of a linear warm-up and c cosine_decay_schedules."),
    "get_polynomial_decay_schedule_with_warmup": Equivalents(
        keras="keras.optimizers.schedules.PolynomialDecay(lr, decay_steps=T - w, end_learning_rate=lr_end, "
              "power=power)",
        transformers="get_polynomial_decay_schedule_with_warmup(optimizer, num_warmup_steps=w, "
                     "num_training_steps=T, lr_end=lr_end, power=power)",
        timm="timm.scheduler.PolyLRScheduler(optimizer, t_initial=T, power=power, lr_min=lr_end, warmup_t=w)",
        optax="optax.polynomial_schedule(lr, lr_end, power, T - w, transition_begin=w)",
        note="Keras and optax have no warm-up here (join a linear_schedule in optax)."),
    "get_inverse_sqrt_schedule": Equivalents(
        keras=None, transformers="get_inverse_sqrt_schedule(optimizer, num_warmup_steps=w, timescale=s)", timm=None,
        optax=None,
        note="lrviz's InverseSqrt is the original Transformer's form, warmed up from step 1; write either as a "
             "function of the step in Keras and optax."),
    "get_wsd_schedule": Equivalents(
        keras=None, transformers="get_wsd_schedule(optimizer, num_warmup_steps=w, num_decay_steps=d, "
                                 "num_training_steps=T)",
        timm="timm.scheduler.WSDLRScheduler(optimizer, t_initial=T - w, decay_t=d, warmup_t=w)", optax=None,
        note="lrviz's WarmupStableDecay is the linear-decay case with its own start factor."),
    "CosineLRScheduler": Equivalents(
        keras=None, transformers=None,
        timm="timm.scheduler.CosineLRScheduler(optimizer, t_initial=T, lr_min=m, warmup_t=w, warmup_lr_init=s)",
        optax=None, note="timm's own: lr_min and warmup_lr_init are absolute lrs; Keras's CosineDecay and optax's "
                         "warmup_cosine_decay_schedule are WarmupCosineDecay."),
    "StepLRScheduler": Equivalents(
        keras="keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=d, decay_rate=r, staircase=True)",
        transformers=None, timm="timm.scheduler.StepLRScheduler(optimizer, decay_t=d, decay_rate=r)",
        optax="optax.exponential_decay(lr, transition_steps=d, decay_rate=r, staircase=True)",
        note="Without a warm-up it is torch's StepLR(step_size=d, gamma=r)."),
    "WarmupCosineDecay": Equivalents(
        keras="keras.optimizers.schedules.CosineDecay(s * lr, decay_steps=D, alpha=a, warmup_target=lr, "
              "warmup_steps=w)",
        transformers=None, timm=None,
        optax="optax.warmup_cosine_decay_schedule(s * lr, lr, warmup_steps=w, decay_steps=w + D, end_value=a * lr)",
        note="optax's decay_steps counts the warm-up too; Keras's does not."),
    "PolynomialDecay": Equivalents(
        keras="keras.optimizers.schedules.PolynomialDecay(lr, decay_steps=D, end_learning_rate=e * lr, power=p)",
        transformers="get_polynomial_decay_schedule_with_warmup(optimizer, 0, D, lr_end=e * lr, power=p)",
        timm=None, optax="optax.polynomial_schedule(lr, e * lr, power=p, transition_steps=D)"),
    "RateDecay": Equivalents(
        keras="keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=D, decay_rate=r)",
        transformers=None, timm=None,
        optax="optax.exponential_decay(lr, transition_steps=D, decay_rate=r, transition_begin=b)"),
    "fit_one_cycle": Equivalents(
        keras=None, transformers=None, timm=None, optax=None,
        note="fastai's learn.fit_one_cycle(n_epoch, lr_max): T = n_epoch × len(dls.train); torch's OneCycleLR "
             "is close but places its phases one step differently."),
}
