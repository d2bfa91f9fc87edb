"""Templating: a Jinja template + the context → the document source (Markdown with a YAML head).

Templates render in Jinja's sandbox with strict undefined names. Whatever a value holds comes
out literally: every value printed with ``{{ }}`` is escaped for the source format, and the
narrative of report.yaml is rendered to plain text and escaped as a whole. A workspace's
``templates/`` folder overrides the built-in templates by name.
"""

from __future__ import annotations

import difflib
import re
import signal
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateNotFound, TemplateSyntaxError
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from . import cnfmt
from .errors import Problem, ReportgenError
from .workspace import Workspace

TEMPLATE_SUFFIX = ".md.j2"
MAX_OUTPUT_CHARS = 2_000_000
MAX_SECONDS = 10

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~^:&=\"'$%@/;?,])")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def md_escape(text: str) -> str:
    """Make any text literal in the source format (backslash before ASCII punctuation).

    A line break inside a value becomes a space: a value is inline text, never new blocks.
    """
    text = re.sub(r"[ \t]*\r?\n\s*", " ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", text)


def join_cjk(text: str) -> str:
    """Drop white space next to Chinese characters: YAML folding puts a space at each line
    join, which Chinese text must not have (汉字与汉字、汉字与数字之间不留空格)."""
    return _CJK_SPACE.sub("", text)


def builtin_templates_dir() -> Path:
    return Path(str(resources.files("reportgen").joinpath("templates")))


class _Undefined(StrictUndefined):
    """Strict undefined whose message names the missing name and suggests a close one."""

    def _fail_with_undefined_error(self, *args, **kwargs):
        name = self._undefined_name
        obj = self._undefined_obj
        candidates: list[str] = []
        if obj is not None and hasattr(obj, "keys"):
            candidates = [str(k) for k in obj.keys()]
        elif obj is None and hasattr(self, "_context_names"):
            candidates = list(self._context_names)
        hint = ""
        if name is not None:
            close = difflib.get_close_matches(str(name), candidates, n=1, cutoff=0.6)
            if close:
                hint = f"是否想用 '{close[0]}'？"
        where = f"'{name}'" if name is not None else "该值"
        if obj is not None and name is not None:
            label = getattr(obj, "label", None) or type(obj).__name__
            raise UndefinedError(f"{label} 中没有 {where}|{hint}")
        raise UndefinedError(f"未定义的名称 {where}|{hint}")

    __str__ = __iter__ = __len__ = __bool__ = __eq__ = __ne__ = __hash__ = _fail_with_undefined_error  # type: ignore[assignment]


def _filters() -> dict:
    return {
        "number": cnfmt.fmt_number,
        "amount": cnfmt.fmt_amount,
        "percent": cnfmt.fmt_percent,
        "pp": cnfmt.fmt_pp,
        "cn": cnfmt.cn_numeral,
        "lead_in": cnfmt.lead_in,
        "paren": cnfmt.paren_numeral,
        "rank": lambda rank, scope=None: cnfmt.rank_phrase(rank, scope),
        "qualify": lambda text, q=None: cnfmt.qualify(str(text), q),
        "date": lambda d: cnfmt.fmt_date(cnfmt.parse_date(d)),
        "cn_year": cnfmt.cn_year,
        "rmb": cnfmt.rmb_upper,
    }


def _md_finalize(value):
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(md_escape(str(value)))


def make_env(ws: Workspace | None, *, for_text: bool = False) -> SandboxedEnvironment:
    loaders = []
    if ws is not None and ws.templates.is_dir():
        loaders.append(FileSystemLoader(str(ws.templates)))
    loaders.append(FileSystemLoader(str(builtin_templates_dir())))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=_Undefined,
        autoescape=not for_text,
        finalize=None if for_text else _md_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(_filters())
    return env


@contextmanager
def _time_limit(seconds: int, where: str):
    """Stop a runaway template (huge loops) after ``seconds`` of CPU time in the main thread."""
    def on_alarm(signum, frame):
        raise ReportgenError(Problem(where, f"模板运行超过 {seconds} 秒，已中止", "检查是否有过大的循环"))

    try:
        old = signal.signal(signal.SIGALRM, on_alarm)
    except ValueError:  # not the main thread: no alarm available
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _template_problem(exc: BaseException, fallback: str, ws: Workspace | None) -> Problem:
    """Turn a Jinja error into file:line, the line itself, and a hint."""
    filename, lineno = None, None
    if isinstance(exc, TemplateSyntaxError):
        filename, lineno = exc.filename, exc.lineno
    else:
        tb = exc.__traceback__
        while tb is not None:
            fn = tb.tb_frame.f_code.co_filename
            if fn.endswith(TEMPLATE_SUFFIX) or fn.startswith("<narrative"):
                filename, lineno = fn, tb.tb_lineno
            tb = tb.tb_next
    where = fallback
    line_text = ""
    if filename and not filename.startswith("<"):
        shown = ws.rel(Path(filename)) if ws else filename
        where = f"{shown}:{lineno}" if lineno else shown
        try:
            line_text = Path(filename).read_text("utf-8").splitlines()[lineno - 1].strip()
        except (OSError, IndexError, TypeError):
            pass
    message, _, hint = str(getattr(exc, "message", None) or exc).partition("|")
    if isinstance(exc, SecurityError):
        message, hint = f"模板试图做不允许的操作（{message}）", "模板只能使用数据和过滤器，不能访问内部属性"
    elif isinstance(exc, TemplateSyntaxError):
        message = f"模板语法错误：{message}"
        hint = hint or "检查 {{ }} 与 {% %} 是否成对、拼写是否正确"
    elif isinstance(exc, TemplateNotFound):
        message = f"找不到模板 {exc.name}"
        hint = "reportgen templates list 列出可用模板"
    if line_text:
        message += f"\n    {line_text}"
    return Problem(where, message, hint)


def _render_text(env: SandboxedEnvironment, source: str, ctx: dict, where: str, ws) -> str:
    try:
        tmpl = env.from_string(source)
        with _time_limit(MAX_SECONDS, where):
            return tmpl.render(ctx)
    except ReportgenError:
        raise
    except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        problem = _template_problem(exc, where, ws)
        problem.where = where
        raise ReportgenError(problem) from None


def render_narrative(value, ctx: dict, where_of, ws: Workspace | None, path=()):
    """Render every string of report.yaml's narrative to literal (escaped) source text."""
    env = _text_env(ws)
    if isinstance(value, str):
        text = _render_text(env, value, ctx, where_of(path), ws)
        return Markup(md_escape(join_cjk(text)))
    if isinstance(value, list):
        return [render_narrative(v, ctx, where_of, ws, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: render_narrative(v, ctx, where_of, ws, (*path, k)) for k, v in value.items()}
    return value


_ENV_CACHE: dict = {}


def _text_env(ws):
    key = ("text", ws.root if ws else None)
    if key not in _ENV_CACHE:
        _ENV_CACHE[key] = make_env(ws, for_text=True)
    return _ENV_CACHE[key]


def _md_env(ws):
    key = ("md", ws.root if ws else None)
    if key not in _ENV_CACHE:
        _ENV_CACHE[key] = make_env(ws)
    return _ENV_CACHE[key]


def render(template_name: str, ctx: dict, ws: Workspace | None) -> str:
    """Render the named template (``summary_plan``) to document source text."""
    env = _md_env(ws)
    name = template_name if template_name.endswith(TEMPLATE_SUFFIX) else template_name + TEMPLATE_SUFFIX
    try:
        tmpl = env.get_template(name)
        with _time_limit(MAX_SECONDS, name):
            chunks = []
            size = 0
            for chunk in tmpl.generate(ctx):
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    raise ReportgenError(Problem(name, f"模板输出超过 {MAX_OUTPUT_CHARS} 个字符，已中止",
                                                 "检查是否有过大的循环"))
                chunks.append(chunk)
            return "".join(chunks)
    except ReportgenError:
        raise
    except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        raise ReportgenError(_template_problem(exc, name, ws)) from None
