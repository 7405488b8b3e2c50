# source: huangyingw/fastai_fastbook exercise/unfreeze.py
# run: {"step_per": "batch", "samples": 200, "batch_size": 20, "epochs": 6}
# expect: accept
# reference: {"library": "fastai_one_cycle", "n_epoch": 6, "lr_max": 1e-05, "per_epoch": 10}
from fastai.callback.fp16 import *
from fastai.vision.all import *
from fastbook import *
import fastbook
fastbook.setup_book()


learn = cnn_learner(dls, resnet34, metrics=error_rate)
learn.fit_one_cycle(3, 3e-3)

learn.unfreeze()

learn.lr_find()

learn.fit_one_cycle(6, lr_max=1e-5)
