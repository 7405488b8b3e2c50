"""The page: its sections, the widgets generated from the declarations, figures (pure functions), the legend,
the replay, the view held in the link, slider scales and the page's style.

Imports `lrviz.training` and `lrviz.schedules`; the only lrviz package that imports Streamlit.
"""
