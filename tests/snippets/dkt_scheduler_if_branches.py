# source: gunwoof/Boostcamp-level2-dkt-recsys code/dkt/dkt/scheduler.py
# run: {"step_per": "batch", "samples": 200, "batch_size": 20, "epochs": 10}
# expect: refuse
# refusal: ReduceLROnPlateau
import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau
from transformers import get_linear_schedule_with_warmup


def get_scheduler(optimizer: torch.optim.Optimizer, args):
    if args.scheduler == "plateau":
        scheduler = ReduceLROnPlateau(
            optimizer, patience=10, factor=0.5, mode="max", verbose=True
        )
    elif args.scheduler == "linear_warmup":
        scheduler = get_linear_schedule_with_warmup(
            optimizer,
            num_warmup_steps=args.warmup_steps,
            num_training_steps=args.total_steps,
        )
    return scheduler
