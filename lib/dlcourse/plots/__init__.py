"""Figures of the lecture notebooks, one module per topic.

Import the topic you need, e.g. ``from dlcourse.plots.activations import ...``.
Every function returns the matplotlib ``Figure`` it drew (nothing global is
changed), so notebooks stay one line per figure.
"""
