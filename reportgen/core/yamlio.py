"""YAML reading for every module: libyaml's C parser when PyYAML was built with it.

The pure-Python parser spent ≈0.19 s on each unit's report.yaml and indicators (most of a
batch's reading time); libyaml gives the same data and the same line marks in a fraction of it.
Marks' ``index`` counts characters in both, which consistency.passages relies on.

Bounded: a text longer than ``MAX_TEXT_CHARS`` is refused, and so is a document whose aliases
would expand to more than ``MAX_NODES`` nodes ("billion laughs": a 1 KB file of nested ``*a``
references that every later walk over the data would multiply into gigabytes).  The node tree
is composed once, measured (each distinct node once, memoised), then constructed.
"""

from __future__ import annotations

import yaml

from .i18n import _

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_TEXT_CHARS = 32 * 1024 * 1024
MAX_NODES = 200_000


class YAMLLimitError(yaml.YAMLError):
    """A document over the size limits; ``problem`` and ``problem_mark`` as the parser's errors."""

    def __init__(self, problem: str, mark=None):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


def _expanded_size(root) -> int:
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            if id(node) in open_:          # reached again while its children are measured: a cycle
                raise YAMLLimitError(_("别名引用了自身（锚点 & 内含指向自己的 *）"), node.start_mark)
            pending = [c for c in children if id(c) not in sizes]
            if pending:
                open_.add(id(node))
                stack.append((node, True))
                stack.extend((c, False) for c in pending)
                continue
        open_.discard(id(node))
        total = 1 + sum(sizes[id(c)] for c in children)
        if total > MAX_NODES:
            raise YAMLLimitError(_("别名（*）展开后超过 {n} 项，不予读取").format(n=MAX_NODES), node.start_mark)
        sizes[id(node)] = total
    return sizes.get(id(root), 0)


def compose(text: str):
    """Like ``yaml.compose`` with the safe loader: the node tree, with marks (bounded)."""
    if len(text) > MAX_TEXT_CHARS:
        raise YAMLLimitError(_("文字超过 {n} 个字符，不予读取").format(n=MAX_TEXT_CHARS))
    loader = Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    if node is not None:
        _expanded_size(node)
    return node


def load(text: str):
    """Like ``yaml.safe_load``, bounded as :func:`compose`."""
    if len(text) > MAX_TEXT_CHARS:
        raise YAMLLimitError(_("文字超过 {n} 个字符，不予读取").format(n=MAX_TEXT_CHARS))
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()
