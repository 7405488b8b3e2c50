# source: open-mmlab/mmdetection mmdet/configs/mask_rcnn/mask_rcnn_r50_caffe_fpn_ms_poly_2x_coco.py
# run: {"step_per": "batch", "samples": 1000, "batch_size": 20, "epochs": 24}
# expect: accept
# reference: {"library": "mmengine", "config": [{"type": "LinearLR", "start_factor": 0.001, "by_epoch": false, "begin": 0, "end": 500}, {"type": "MultiStepLR", "begin": 0, "end": 24, "by_epoch": true, "milestones": [16, 22], "gamma": 0.1}], "epochs": 24, "per_epoch": 100}
if '_base_':
    from .mask_rcnn_r50_caffe_fpn_ms_poly_1x_coco import *
from mmengine.optim.scheduler.lr_scheduler import LinearLR, MultiStepLR

train_cfg.merge(dict(max_epochs=24))
# learning rate
param_scheduler = [
    dict(type=LinearLR, start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type=MultiStepLR,
        begin=0,
        end=24,
        by_epoch=True,
        milestones=[16, 22],
        gamma=0.1)
]
