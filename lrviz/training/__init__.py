"""Training every schedule on the same experiment: data and model, the stacked engine and its optimizers, the
plain torch reference loop, lr traces from the real schedulers, results, cache, limits, the range test, the loss
landscape, configurations and scenarios, and the standalone script.

Imports `lrviz.schedules`, never `lrviz.page`; knows nothing of Streamlit.
"""
