# source: rstudio/keras3 tools/raw/keras-optimizers-schedules-PiecewiseConstantDecay/docstring.R
# run: {"step_per": "batch", "samples": 200, "batch_size": 20, "epochs": 10}
# expect: accept
# reference: {"library": "keras", "name": "PiecewiseConstantDecay", "args": [[30, 60], [1.0, 0.5, 0.1]], "kwargs": {}}
step = ops.array(0)
boundaries = [30, 60]  # the docstring's [100000, 110000], shortened to fall inside a 100-step run
values = [1.0, 0.5, 0.1]
learning_rate_fn = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries, values)

# Later, whenever we perform an optimization step, we pass in the step.
learning_rate = learning_rate_fn(step)
