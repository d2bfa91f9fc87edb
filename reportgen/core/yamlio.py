"""YAML reading for every module: read as people mean it, through libyaml's C parser.

* **Strings stay strings.** Scalars are resolved by a YAML 1.2-core-like schema, not PyYAML's
  YAML 1.1 one: ``044`` stays the text “044” (not octal 36), ``1:04`` stays “1:04” (not
  sexagesimal 64), ``no``/``yes``/``on``/``off`` stay words (only ``true``/``false`` are
  booleans), ``1_000`` and ``0x1F`` stay text. Plain decimal numbers (``44``, ``-3``, ``21.9``,
  ``1e3``), ``true``/``false``, ``null``/``~``/empty and dates (``2024-01-31``) are recognised.
* **Duplicate keys are errors**, naming both lines (PyYAML silently keeps the last one).

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

import re

from .i18n import _

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):
    """The safe loader with a YAML 1.2-core-like resolver (see the module's docstring)."""


Loader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
    ("tag:yaml.org,2002:timestamp",
     r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
     r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?"
     r":[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$", "0123456789"),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
):
    Loader.add_implicit_resolver(_tag, re.compile(_regexp), list(_first))


def _int(self, node):
    """Plain decimal integers (the resolver lets nothing else through); an explicit !!int 0x1F as YAML says."""
    value = self.construct_scalar(node)
    if re.fullmatch(r"[-+]?[0-9]+", value):
        return int(value, 10)
    return yaml.SafeLoader.construct_yaml_int(self, node)


Loader.add_constructor("tag:yaml.org,2002:int", _int)


class YamlError(yaml.MarkedYAMLError):
    """A document that parses but is not taken as written (a key given twice)."""


def _duplicate_keys(root) -> None:
    """A key given twice in one mapping: an error naming both lines."""
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    ident = (key.tag, key.value)
                    if ident in seen:
                        raise YamlError(None, None, _("键“{key}”重复：第 {first} 行和第 {second} 行（只能出现一次，否则后一个会悄悄覆盖前一个）").format(
                            key=key.value, first=seen[ident].start_mark.line + 1, second=key.start_mark.line + 1),
                            key.start_mark)
                    seen[ident] = key
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
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
        _duplicate_keys(node)
    return node


def parse(text: str):
    """(data, root node) of a document, read once (bounded and checked as :func:`compose`)."""
    node = compose(text)
    if node is None:
        return None, None
    loader = Loader("")
    try:
        return loader.construct_document(node), node
    finally:
        loader.dispose()


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
        _duplicate_keys(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def syntax_problem(exc: yaml.YAMLError, where: str):
    """The problem of a file that is not valid YAML: named at its line, with a hint."""
    from .errors import Problem

    mark = getattr(exc, "problem_mark", None)
    return Problem(f"{where}:{mark.line + 1}" if mark else where,
                   _("YAML 格式错误：{error}").format(error=getattr(exc, "problem", None) or exc), hint(exc))


def hint(exc: yaml.YAMLError) -> str:
    """How to fix a YAML error, for messages."""
    if isinstance(exc, YamlError):
        return _("删去或合并重复的键；别名（&name/*name）只用于少量重复内容")
    return _("检查缩进、冒号后的空格，以及含冒号的文字是否加了引号")
