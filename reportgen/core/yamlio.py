"""YAML reading for every module: libyaml's C parser when PyYAML was built with it.

The pure-Python parser spent ≈0.19 s on each unit's report.yaml and indicators (most of a
batch's reading time); libyaml gives the same data and the same line marks in a fraction of it.
Marks' ``index`` counts characters in both, which consistency.passages relies on.
"""

from __future__ import annotations

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str):
    """Like ``yaml.safe_load``."""
    return yaml.load(text, Loader=Loader)  # noqa: S506 — a safe loader (CSafeLoader or SafeLoader)


def compose(text: str):
    """Like ``yaml.compose`` with the safe loader: the node tree, with marks."""
    return yaml.compose(text, Loader=Loader)
