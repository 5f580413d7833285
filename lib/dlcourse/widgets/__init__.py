"""ipywidgets explorers of the lecture notebooks, one module per topic.

Import the topic you need, e.g. ``from dlcourse.widgets.activations import ...``.
Each explorer separates pure compute functions (tested headlessly) from the
widgets that display them; the figure plumbing they share with :mod:`dlcourse.plots` is
:mod:`dlcourse.figures`.
"""
