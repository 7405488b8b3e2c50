# source: ljw20180420/CRISPR_AI CRISPRdiffuser/learn_schedular.py
# run: {"step_per": "batch", "samples": 200, "batch_size": 20, "epochs": 10}
# expect: accept
# reference: {"library": "transformers", "name": "cosine", "num_warmup_steps": 10, "num_training_steps": 100, "kwargs": {"num_cycles": 0.5}}
# define: {"args.learn_scheduler": "cosine", "args.num_warmup_steps": 10, "args.batch_num": 10, "args.epoch_num": 10, "args.num_cycles": 0.5, "args.power": 1.0, "args.step_rules": "none"}
import diffusers.optimization
from .config import args
from .optimizer import optimizer

learn_scheduler = diffusers.optimization.get_scheduler(
    name=args.learn_scheduler,
    optimizer=optimizer,
    step_rules=args.step_rules,
    num_warmup_steps=args.num_warmup_steps,
    num_training_steps=args.batch_num * args.epoch_num,
    num_cycles=args.num_cycles,
    power=args.power
)
