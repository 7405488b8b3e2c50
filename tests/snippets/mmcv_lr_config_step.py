# source: js1342/between_closet_AI-webserver mmdetection/configs/_base_/schedules/schedule_20e.py
# run: {"step_per": "batch", "samples": 1000, "batch_size": 20, "epochs": 20}
# expect: accept
# reference: {"library": "mmcv_step", "warmup_iters": 500, "warmup_ratio": 0.001, "step": [16, 19], "gamma": 0.1, "per_epoch": 100}
# optimizer
# optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
# cascade_mask_rcnn_r2_101_fpn_20e_coco.py -> 4*2 0.01
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
# learning policy
lr_config = dict(
    policy='step',
    warmup='linear',
    warmup_iters=500,
    warmup_ratio=0.001,
    step=[16, 19])
total_epochs = 20
