# source: kiaraesguerra/lightning-template schedulers/cosine_warm_restarts.py
# run: {"step_per": "epoch", "samples": 200, "batch_size": 20, "epochs": 10}
# expect: refuse
# refusal: CosineAnnealingWarmRestarts
import torch.optim.lr_scheduler as lr_scheduler

def cosine_warm_restarts(optimizer, args):
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(
        optimizer,
        T_0=args.epochs, 
        T_mult=args.min_lr
    )
    return scheduler
