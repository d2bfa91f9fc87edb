"""click's own texts in Chinese, for a Chinese run: every line click prints, not only its messages.

click translates its messages through gettext (our ``core/locale/zh/LC_MESSAGES/click.po``,
bound by ``core.i18n.setup_click``), but some of what it prints is not a message: the names of
parameter types in the help (``INTEGER``, ``TEXT``, ``INTEGER RANGE``), ``[OPTIONS]`` and
``COMMAND [ARGS]...`` in the usage line, the range of a number (``x>=0``), the ``; `` between the
notes of an option and the ``:`` after a heading. ``localize(group)`` sets these for every
command of the group when the language is Chinese, and lays the help out by display width
(a Chinese character takes two columns of a terminal).
"""

from __future__ import annotations

import copy
import gettext
import re
import unicodedata

import click

from ..core.i18n import language

# click's type names (``ParamType.name``) → what the help shows and the errors say
TYPE_NAMES = {"integer": "整数", "integer range": "整数", "float": "数", "float range": "数", "text": "文字",
              "boolean": "是/否", "uuid": "UUID", "filename": "文件名", "datetime": "日期时间"}
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."


def width(text: str) -> int:
    """Columns a text takes on a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_TOKEN = re.compile(r"(?:[\u2e80-\uffef]|[^\s\u2e80-\uffef]+)(?:\u00a0(?:[\u2e80-\uffef]|[^\s\u2e80-\uffef]+))*|\s+")
_NO_LINE_START = set("，。；：、）》」』”’！？]")


def wrap(text: str, limit: int) -> list[str]:
    """Lines of at most ``limit`` columns: Chinese breaks between two characters (never before
    closing punctuation), other text at spaces; a no-break space joins its neighbours."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        tokens: list[str] = []
        for tok in _TOKEN.findall(para):
            if tokens and tok[0] in _NO_LINE_START:
                tokens[-1] += tok
            else:
                tokens.append(tok)
        line = ""
        for tok in tokens:
            if line.strip() and width((line + tok).rstrip()) > limit:
                lines.append(line.rstrip())
                line = tok.lstrip(" ")
            else:
                line += tok
        lines.append(line.rstrip())
    return lines


click_text = gettext.gettext   # click's catalog (the default domain), not reportgen's


class HelpFormatter(click.HelpFormatter):
    """click's formatter with Chinese punctuation and widths measured in terminal columns."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            usage = click_text("Usage:")
            prefix = usage if usage.endswith("：") else usage + " "
        super().write_usage(prog, args, prefix)

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
        for i, para in enumerate(paragraphs):
            if i:
                self.write("\n")
            for line in wrap(" ".join(x.strip() for x in para.splitlines()), max(self.width - len(indent), 11)):
                self.write(f"{indent}{line}\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max((width(r[0]) for r in rows), default=0), col_max) + col_spacing
        text_width = max(self.width - first - self.current_indent, 10)
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not text:
                self.write("\n")
                continue
            if width(term) <= first - col_spacing:
                self.write(" " * (first - width(term)))
            else:
                self.write("\n" + " " * (first + self.current_indent))
            lines = wrap(text, text_width)
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first + self.current_indent}}{line}\n")


class Context(click.Context):
    formatter_class = HelpFormatter


def describe_range(t) -> str:
    """``x>=0`` in words: 不小于 0, 1～8, 小于 10 …"""
    lo = None if t.min is None else ("大于\u00a0{n}" if t.min_open else "不小于\u00a0{n}").format(n=t.min)
    hi = None if t.max is None else ("小于\u00a0{n}" if t.max_open else "不大于\u00a0{n}").format(n=t.max)
    if lo and hi and not (t.min_open or t.max_open):
        return f"{t.min}～{t.max}"
    return "，".join(x for x in (lo, hi) if x)


def _localize_type(t):
    t = copy.copy(t)
    t.name = TYPE_NAMES.get(t.name, t.name)
    if isinstance(t, click.types._NumberRangeBase):
        t._describe_range = lambda t=t: describe_range(t)
    return t


class Option(click.Option):
    """An option whose notes read ``[默认：1；不小于 0]``."""

    def get_help_record(self, ctx):
        record = super().get_help_record(ctx)
        if record is None:
            return None
        extra = self.get_help_extra(ctx)
        items = []
        if "envvars" in extra:
            items.append(click_text("env var: {var}").format(var="、".join(extra["envvars"])))
        if "default" in extra:
            items.append(click_text("default: {default}").format(default=extra["default"]))
        if "range" in extra:
            items.append(extra["range"])
        if "required" in extra:
            items.append(click_text(extra["required"]))
        help = self.help or ""
        if items:
            note = f"[{'；'.join(items)}]"
            help = f"{help}  {note}" if help else note
        return record[0], help


def _missing_message(format_message):
    """click ends “Missing argument 'YEAR'” with an English full stop outside its catalog."""
    def chinese(self) -> str:
        return re.sub(r"\.( |$)", lambda m: "。" + m.group(1).strip(), format_message(self), count=1)
    chinese.chinese = True
    return chinese


def localize(command: click.Command) -> None:
    """Chinese type names, usage words and help layout for a command and all its subcommands."""
    if language() != "zh":
        return
    missing = click.exceptions.MissingParameter
    if not getattr(missing.format_message, "chinese", False):
        missing.format_message = _missing_message(missing.format_message)
    command.context_class = Context
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = OPTIONS_METAVAR
    if isinstance(command, click.Group):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            localize(sub)
    for param in command.params:
        param.type = _localize_type(param.type)
        if type(param) is click.Option:
            param.__class__ = Option
