"""Schemas of the workspace's YAML files, and their errors as a person can act on them.

``validate(model, data, label, node)`` checks ``data`` (read from the YAML file ``label``, whose
composed node tree is ``node``) against a pydantic model and turns every error into a
:class:`~reportgen.core.errors.Problem` naming ``file:line`` and the key, saying what was expected
in Chinese, and suggesting the closest known key for a misspelt one. Unknown keys are errors
(models forbid extras).

The models of reportgen.yaml and units.yaml live here; styles.yaml's is ``write.style.Style``,
report.yaml's settings are ``ReportSettings`` (its narrative is free text, checked by rendering).
A model is extended by adding fields — messages, lines and suggestions follow by themselves.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import typing
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .errors import Problem
from .i18n import _


class Strict(BaseModel):
    """Unknown keys are errors; values keep the type they are declared with."""

    model_config = ConfigDict(extra="forbid")


#: An id: lower-case letters, digits and _ (units, indicators).
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(min_length=1)]


# -- reportgen.yaml ---------------------------------------------------------------------------------
class StyleChoice(Strict):
    profiles: list[str] = []


class Config(Strict):
    """reportgen.yaml: the workspace's settings."""

    name: str = ""
    style: StyleChoice = StyleChoice()


# -- units.yaml -------------------------------------------------------------------------------------
class UnitInfo(Strict):
    name: Text
    short_name: str | None = None
    region: str | None = None


# -- report.yaml (settings; the narrative is text) -----------------------------------------------------
class DocumentEntry(Strict):
    template: Text
    title: str | None = None


class ReportSettings(BaseModel):
    """The settings of report.yaml; every other key is narrative (text, lists and sections of text)."""

    model_config = ConfigDict(extra="allow")

    template: Text | None = None
    results_year: int | None = None
    date: _dt.date | Text | None = None
    title: Text | None = None
    # documents: checked entry by entry by read.documents.specs (with the entry's line)


# -- messages ---------------------------------------------------------------------------------------
def _line(node, loc: tuple) -> int | None:
    """The line of ``loc`` in a composed YAML tree (the deepest part that exists in the file)."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = None
            for k, v in node.value:
                if k.value == str(part):
                    found = (k, v)
                    break
            if found is None:
                return line
            line = found[0].start_mark.line + 1
            node = found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed where ``loc`` points (for suggestions), following the model's annotations."""
    ann: Any = model
    for part in loc:
        origin = typing.get_origin(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = ann.model_fields.get(str(part))
            if field is None:
                return []
            ann = field.annotation
        elif origin in (dict, typing.Dict):
            ann = typing.get_args(ann)[1]
        elif origin in (list, typing.List):
            ann = typing.get_args(ann)[0]
        else:
            args = [a for a in typing.get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
            if not args:
                return []
            ann = args[0]
            if str(part) in ann.model_fields:
                ann = ann.model_fields[str(part)].annotation
            continue
    while typing.get_origin(ann) is not None and not (isinstance(ann, type) and issubclass(ann, BaseModel)):
        args = [a for a in typing.get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not args:
            break
        ann = args[0]
    return list(ann.model_fields) if isinstance(ann, type) and issubclass(ann, BaseModel) else []


def _message(err: dict) -> str:
    kind, value = err["type"], err.get("input")
    key = str(err["loc"][-1]) if err["loc"] else ""
    shown = value if isinstance(value, (str, int, float)) else (
        _("列表") if isinstance(value, list) else _("映射") if isinstance(value, dict) else _("空值") if value is None
        else type(value).__name__)
    if kind == "missing":
        return _("缺少“{key}”").format(key=key)
    if kind == "extra_forbidden":
        return _("未知的键“{key}”").format(key=key)
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        return _("“{key}”应为数字，不是“{value}”").format(key=key, value=shown)
    if kind in ("bool_parsing", "bool_type"):
        return _("“{key}”应为 true 或 false，不是“{value}”").format(key=key, value=shown)
    if kind in ("string_type",):
        return _("“{key}”应为文字，不是“{value}”").format(key=key, value=shown)
    if kind in ("list_type",):
        return _("“{key}”应为列表（每项一行，以“- ”开头）").format(key=key)
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("“{key}”应为“键: 值”的映射").format(key=key)
    if kind == "string_too_short":
        return _("“{key}”不能为空").format(key=key)
    if kind == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern", "")
        if "0-9A-Fa-f" in pattern:
            return _("“{key}”应为颜色值，如 #000000（六位十六进制），不是“{value}”").format(key=key, value=shown)
        return _("“{key}”的值“{value}”格式不对").format(key=key, value=shown)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _("“{key}”的值“{value}”超出允许范围（{rule}）").format(key=key, value=shown, rule=err["msg"])
    if kind in ("literal_error", "enum"):
        allowed = (err.get("ctx") or {}).get("expected", "")
        return _("“{key}”的值“{value}”不在可选值中：{allowed}").format(key=key, value=shown, allowed=allowed)
    return _("“{key}”的值“{value}”无效（{detail}）").format(key=key, value=shown, detail=err["msg"])


def problems(exc: ValidationError, model: type[BaseModel], label: str, node=None, prefix: tuple = ()) -> list[Problem]:
    """Every error of ``exc`` as a Problem at ``label:line（key.path）``, all at once."""
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in ("str", "int", "float"))))
        # a union reports every branch: keep the branch that names a key of the file
        full = (*prefix, *loc)
        line = _line(node, full) if node is not None else None
        path = ".".join(str(p) for p in full)
        where = f"{label}:{line}" if line else label
        if path:
            where += f"（{path}）"
        hint = ""
        if err["type"] == "extra_forbidden":
            known = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.5)
            hint = (_("是否想用“{name}”？").format(name=close[0]) if close else "") + (
                _("可用的键：{keys}").format(keys=_("、").join(known)) if known else "")
        elif err["type"] == "missing":
            hint = _("加上“{key}: …”").format(key=loc[-1]) if loc else ""
        problem = Problem(where, _message(err), hint)
        if not any(p.where == problem.where and p.message == problem.message for p in out):
            out.append(problem)
    return out


def validate(model: type[BaseModel], data, label: str, node=None):
    """``model`` validated from ``data``; a :class:`ReportgenError` with every problem if it is not."""
    from .errors import ReportgenError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ReportgenError(problems(exc, model, label, node)) from None


__all__ = ["Config", "DocumentEntry", "Field", "Ident", "ReportSettings", "Strict", "Text", "UnitInfo",
           "problems", "validate"]
