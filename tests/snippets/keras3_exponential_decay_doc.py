# source: rstudio/keras3 man-src/learning_rate_schedule_exponential_decay/1-formatted.md
# run: {"step_per": "batch", "samples": 200, "batch_size": 20, "epochs": 10}
# expect: accept
# reference: {"library": "keras", "name": "ExponentialDecay", "args": [0.1], "kwargs": {"decay_steps": 100000, "decay_rate": 0.96, "staircase": true}}
initial_learning_rate = 0.1
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate,
    decay_steps=100000,
    decay_rate=0.96,
    staircase=True)

model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr_schedule),
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

model.fit(data, labels, epochs=5)
