# source: hustvl/Matte-Anything configs/common/scheduler.py
# run: {"step_per": "batch", "samples": 200, "batch_size": 20, "epochs": 10}
# expect: refuse
# refusal: WarmupParamScheduler
from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import MultiStepParamScheduler

lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(
        values=[1.0, 0.1, 0.01],
        milestones=[96778, 103579],
        num_updates=100,
    ),
    warmup_length=250 / 100,
    warmup_factor=0.001,
)
