"""Plots shared by the benchmark scripts."""

import numpy as np

__all__ = ["grouped_bars"]


def grouped_bars(ax, groups, series, values, *, labels=None, fontsize=8):
    """One bar per (group, series) at the mean of its values, a dot per value.

    Parameters
    ----------
    ax : matplotlib Axes
    groups : sequence of str
        Tick labels along x (e.g. data sets).
    series : sequence of str
        One colour each (e.g. arms), side by side within a group.
    values : callable
        ``values(group, series)`` -> the sequence of numbers behind the bar
        (seeds, training sets).
    labels : dict, default=None
        Legend label of a series, when it differs from its name.
    fontsize : int, default=8
    """
    labels = labels or {}
    width = 0.8 / len(series)
    for k, name in enumerate(series):
        for i, group in enumerate(groups):
            v = np.asarray(values(group, name), dtype=float)
            x = i + (k - (len(series) - 1) / 2) * width
            label = labels.get(name, name) if i == 0 else None
            ax.bar(x, v.mean(), width, color=f"C{k}", label=label)
            ax.plot([x] * len(v), v, "k.", ms=3)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=fontsize)
    ax.legend(fontsize=fontsize)
