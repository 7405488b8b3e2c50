# source: open-mmlab/mmdetection configs/_base_/schedules/schedule_2x.py
# run: {"step_per": "batch", "samples": 1000, "batch_size": 20, "epochs": 24}
# expect: accept
# reference: {"library": "mmengine", "config": [{"type": "LinearLR", "start_factor": 0.001, "by_epoch": false, "begin": 0, "end": 500}, {"type": "MultiStepLR", "begin": 0, "end": 24, "by_epoch": true, "milestones": [16, 22], "gamma": 0.1}], "epochs": 24, "per_epoch": 100}
# training schedule for 1x
train_cfg = dict(by_epoch=True, max_epochs=24)
val_cfg = dict(interval=1)
test_cfg = dict()

# learning rate
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='MultiStepLR',
        begin=0,
        end=24,
        by_epoch=True,
        milestones=[16, 22],
        gamma=0.1)
]

# optimizer
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
