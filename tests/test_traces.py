"""lr traces are cached per optimizer set-up, and the experiment's data builds the plain loops' torch model."""

import numpy as np
import torch

from lrviz.schedules.schedule import resolve
from lrviz.training.experiment import Experiment, make_data
from lrviz.training.traces import lr_trace


def _trace_of(text: str, **options):
    experiment = Experiment.create(epochs=12, **options)
    return lr_trace(resolve(text, experiment.context()), experiment)


def test_a_trace_is_shared_by_experiments_that_differ_only_in_their_data():
    first = _trace_of("StepLR(step_size=3, gamma=0.5)", seed=1, noise=0.5)
    other_data = _trace_of("StepLR(step_size=3, gamma=0.5)", seed=7, noise=0.01, dataset="classification")
    assert first[0] is other_data[0]  # the cached arrays themselves: no second stepping


def test_a_trace_follows_the_optimizer_settings():
    sgd = _trace_of("CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=3)", momentum=0.5)
    adam = _trace_of("CyclicLR(base_lr=0.01, max_lr=0.1, step_size_up=3)", optimizer="adam")
    assert sgd[1] is not adam[1]  # two cache entries: the optimizer is part of the key
    assert list(sgd[0]) == list(adam[0])  # (with the same lr cycle)
    higher = _trace_of("ExponentialLR(gamma=0.9)", lr=0.2)
    assert higher[0][0] == 0.2 and _trace_of("ExponentialLR(gamma=0.9)", lr=0.1)[0][0] == 0.1


def test_the_datas_torch_model_starts_at_the_initial_weights():
    for dataset in ("linear", "classification"):
        data = make_data(Experiment.create(samples=50, epochs=2, dataset=dataset))
        inputs, targets = data.tensors(data.x_train, data.y_train)
        with torch.no_grad():
            outputs = data.model()(inputs).numpy()
        np.testing.assert_allclose(outputs, data.x_train @ data.initial_weights, rtol=1e-12)
        expected = data.y_train.argmax(axis=1) if data.classification else data.y_train
        assert np.array_equal(targets.numpy(), expected)
