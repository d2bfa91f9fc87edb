"""Templating: a Jinja template + the context → the document source (Markdown with a YAML head).

Templates are untrusted input. They render in Jinja's immutable sandbox with strict undefined
names, and:

* **values come out literally**: every value printed with ``{{ }}`` is escaped for the source
  format, and so is every value joined to template text (``~``, ``+``, ``join``, ``replace``,
  ``format`` …): in the document source only the template's own text is markup. The narrative
  of report.yaml is rendered to plain text and escaped as a whole;
* **files**: a template can include, import or extend only ``*.md.j2`` templates of the
  workspace's ``templates/`` folder and the built-in ones — no absolute path, no ``..``, no
  symbolic link leading out;
* **no code, no network**: no attribute starting with ``_``, no method of an already formatted
  text, no ``lipsum``/``cycler``/``joiner``/``namespace``, no filters that produce HTML;
* **bounded**: every text or list a template builds is limited to ``MAX_VALUE_CHARS``, the output
  to ``MAX_OUTPUT_CHARS``, all ``range`` loops of one render together to ``MAX_LOOP_ITEMS``
  items, macro recursion to Python's depth, and the run time to ``MAX_SECONDS``.

Lookup: a workspace's ``templates/`` overrides the built-in templates by name; a built-in one is
also reachable as ``builtin/NAME``, and a workspace template that extends (or includes) its own
name gets the built-in one — so ``templates/summary_plan.md.j2`` can be three lines::

    {% extends "summary_plan.md.j2" %}
    {% block opening %}新的开头……{% endblock %}

Errors name the template file and line, quote the line and suggest a fix (是否想用 'rd_growth'？).
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import os
import re
import signal
import sys
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path, PurePosixPath

from jinja2 import (ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined, TemplateNotFound,
                    TemplateSyntaxError, Undefined)
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError, TemplateError, TemplatesNotFound, UndefinedError
from jinja2.utils import missing
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from markupsafe import Markup

from ..core import cnfmt
from ..core.errors import Problem, ReportgenError
from ..core.i18n import N_, _
from ..core.workspace import Workspace, read_input_text
from ..model import Source, copy_with, mark, source_of, strip_marks, traced
from ..derive import figures as derive

TEMPLATE_SUFFIX = ".md.j2"
BUILTIN_PREFIX = "builtin/"
MAX_OUTPUT_CHARS = 2_000_000
MAX_VALUE_CHARS = 1_000_000
MAX_LOOP_ITEMS = 1_000_000
MAX_SECONDS = 10
REMOVED_GLOBALS = ("lipsum", "cycler", "joiner", "namespace")
REMOVED_FILTERS = ("urlize", "xmlattr", "tojson", "random", "pprint", "filesizeformat")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~^:&=\"'$%@/;?,])")
# provenance markers (private-use characters, see model.mark) are transparent here
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f\ue000-\ue01f])\s+|\s+(?=[^\x00-\x7f\ue000-\ue01f])")
_LONG_NUMBER = re.compile(r"\d{7,}")


def md_escape(text: str) -> str:
    """Make any text literal in the source format (backslash before ASCII punctuation).

    A line break inside a value becomes a space: a value is inline text, never new blocks.
    Provenance markers are removed: a value can never claim to be a traced figure.
    """
    return _escape(strip_marks(str(text)))


def _escape(text: str) -> str:
    text = re.sub(r"[ \t]*\r?\n\s*", " ", text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def join_cjk(text: str) -> str:
    """Drop white space next to Chinese characters: YAML folding puts a space at each line
    join, which Chinese text must not have (汉字与汉字、汉字与数字之间不留空格)."""
    return _CJK_SPACE.sub("", text)


def builtin_templates_dir() -> Path:
    return Path(str(resources.files("reportgen").joinpath("render", "templates")))


def template_file_name(name: str) -> str:
    """``summary_plan`` → ``summary_plan.md.j2``."""
    return name if name.endswith(TEMPLATE_SUFFIX) else name + TEMPLATE_SUFFIX


# ---------------------------------------------------------------- limits


class ForbiddenTemplate(SecurityError):
    """A template name that leads out of the template folders, or to a file that is no template."""


class LimitError(ReportgenError):
    """A template went over one of the limits (size, loops, time)."""


_where: contextvars.ContextVar[str] = contextvars.ContextVar("reportgen_render_where", default="")
_loop_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("reportgen_loop_budget")


def _limit(message: str) -> LimitError:
    return LimitError(Problem(_where.get(), message, _("检查模板中的循环和重复：模板只应排版数据，不应生成大量内容")))


def _check_size(value):
    _tick()
    if isinstance(value, (str, list, tuple, dict)) and len(value) > MAX_VALUE_CHARS:
        raise _limit(_("模板生成的文字或列表超过 {n} 个字符（项），已中止").format(n=MAX_VALUE_CHARS))
    return value


def _check_int(value) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE_CHARS:
        raise _limit(_("模板中的数字 {n} 过大（上限 {m}），已中止").format(n=value, m=MAX_VALUE_CHARS))


def _check_format(spec) -> None:
    """A format string's widths and precisions together bound what it can produce: refuse one
    whose numbers add up past the value limit (before the text is built, not after)."""
    if isinstance(spec, str) and (_LONG_NUMBER.search(spec) or
                                  len(spec) + sum(int(n) for n in re.findall(r"\d{2,6}", spec)) > MAX_VALUE_CHARS):
        raise _limit(_("格式“{spec}”中的宽度或精度过大，已中止").format(spec=spec[:40]))


def _grows_past(value, params: tuple, name: str) -> bool:
    """Whether a filter would build a text over the limit, judged from its arguments before it
    runs (``join`` of a long text, ``indent``/``wordwrap`` with long insertions)."""
    if not isinstance(value, (str, list, tuple)):
        return False
    if name == "join" and params:
        return len(value) * len(str(params[0])) > MAX_VALUE_CHARS
    if name == "indent":
        width = params[0] if params else 4
        add = len(width) if isinstance(width, str) else int(width) if isinstance(width, int) else 4
        return isinstance(value, str) and len(value) + (value.count("\n") + 1) * add > MAX_VALUE_CHARS
    if name == "wordwrap" and isinstance(value, str):
        width = params[0] if params and isinstance(params[0], int) and params[0] > 0 else 79
        wrap = str(params[2]) if len(params) > 2 and params[2] is not None else "\n"
        return len(value) + (len(value) // width + 1) * len(wrap) > MAX_VALUE_CHARS
    return False


def _range(*args):
    """``range`` with the sandbox's size limit, charged to the render's loop budget."""
    rng = safe_range(*args)
    budget = _loop_budget.get(None)
    if budget is not None:
        budget[0] -= len(rng)
        if budget[0] < 0:
            raise _limit(_("模板中的循环次数合计超过 {n} 次，已中止").format(n=MAX_LOOP_ITEMS))
    return rng


@contextmanager
def _time_limit(seconds: float, where: str):
    """Stop a runaway template after ``seconds`` (in the main thread, where SIGALRM works)."""
    def on_alarm(signum, frame):
        raise LimitError(Problem(where, _("模板运行超过 {n} 秒，已中止").format(n=f"{_seconds():g}"),
                                 _("检查是否有过大的循环")))

    if not hasattr(signal, "SIGALRM"):   # Windows has no alarm signal: the loop budget still holds
        yield
        return
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


def _seconds() -> float:
    """The time budget of one document's templates: REPORTGEN_TEMPLATE_SECONDS may lower it,
    never raise it past ``MAX_SECONDS`` nor switch it off (0, negative, nan, inf, text)."""
    import math

    try:
        value = float(os.environ.get("REPORTGEN_TEMPLATE_SECONDS") or MAX_SECONDS)
    except ValueError:
        return MAX_SECONDS
    return value if math.isfinite(value) and 0 < value <= MAX_SECONDS else MAX_SECONDS


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("reportgen_render_deadline", default=None)


@contextmanager
def document_budget():
    """One time budget for everything rendered for one document (every narrative string, the
    title, the template): a document of ten thousand strings gets the same seconds as one."""
    import time

    token = _deadline.set(time.monotonic() + _seconds())
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining() -> float:
    import time

    deadline = _deadline.get()
    return _seconds() if deadline is None else deadline - time.monotonic()


def _tick() -> None:
    """The budget checked at each value a template builds (also where no alarm can fire)."""
    deadline = _deadline.get()
    if deadline is not None:
        import time

        if time.monotonic() > deadline:
            raise LimitError(Problem(_where.get(), _("模板运行超过 {n} 秒，已中止").format(n=f"{_seconds():g}"),
                                     _("检查是否有过大的循环")))


@contextmanager
def _guard(where: str):
    """Set the per-render limits (loop budget, time) for everything run inside."""
    t1 = _where.set(where)
    t2 = _loop_budget.set([MAX_LOOP_ITEMS])
    t3 = derive.PLACE.set(where)     # a missing figure printed here records where it is used
    try:
        left = _remaining()
        if left <= 0:
            raise LimitError(Problem(where, _("模板运行超过 {n} 秒，已中止").format(n=f"{_seconds():g}"),
                                     _("检查是否有过大的循环")))
        with _time_limit(left, where):
            yield
    finally:
        derive.PLACE.reset(t3)
        _loop_budget.reset(t2)
        _where.reset(t1)


# ---------------------------------------------------------------- provenance

_trace: contextvars.ContextVar["Trace | None"] = contextvars.ContextVar("reportgen_trace", default=None)


@dataclass
class Trace:
    """The figures one document's render printed: ``sources[i]`` is marked ``i`` in the source,
    ``texts[i]`` the text it printed (the parser checks that the marked text is that text)."""

    ws: Workspace | None
    sources: list[Source]
    texts: list[str]

    def add(self, source: Source, text: str) -> int:
        self.sources.append(source)
        self.texts.append(text)
        return len(self.sources) - 1


@contextmanager
def tracing(ws: Workspace | None):
    """Within this block, every traced value a template or narrative prints is marked in the
    source with its :class:`~reportgen.model.Source` (kept in the yielded :class:`Trace`)."""
    trace = Trace(ws, [], [])
    token = _trace.set(trace)
    try:
        yield trace
    finally:
        _trace.reset(token)


def _traced_text(value):
    """(text, source) of a value that knows where it comes from, else (None, None)."""
    src = source_of(value)
    if src is not None:
        return str(value), src
    fn = getattr(type(value), "__traced__", None)
    if fn is not None:
        t = fn(value)
        src = source_of(t)
        if src is not None:
            return str(t), src
    return None, None


def _printed_by(trace: Trace) -> str:
    """The template lines being rendered, innermost first: 内置模板 _components.md.j2:47 ← …:12."""
    chain: list[str] = []
    f = sys._getframe(2)
    while f is not None:
        t = f.f_globals.get("__jinja_template__")
        if t is not None and t.filename:
            where = f"{_shown(t.filename, trace.ws)}:{t.get_corresponding_lineno(f.f_lineno)}"
            if where not in chain:
                chain.append(where)
        f = f.f_back
    return " ← ".join(chain) or _where.get()


def _mark_value(value, escape):
    """``value`` as source text, marked when it is a traced figure and a trace is running."""
    trace = _trace.get()
    if trace is None:
        return None
    text, src = _traced_text(value)
    if src is None:
        return None
    text = strip_marks(text)
    printed_by = _where.get() if escape is None else _printed_by(trace)
    index = trace.add(copy_with(src, printed_by=printed_by), text)
    return mark(index, escape(text) if escape else text)


# ---------------------------------------------------------------- escaping


def _md_markup(value):
    """A value as literal source text (already formatted text is left as it is)."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(md_escape(str(value)))


class _Narrative(Markup):
    """A report.yaml text, rendered and escaped, remembering the line it came from (it compares
    and prints like the text itself; when printed while tracing, it is marked as narrative)."""

    where: str = ""


def _md_finalize(value):
    _printable(value)
    trace = _trace.get()
    if isinstance(value, _Narrative) and trace is not None:  # where hand-written words come from
        return Markup(mark(trace.add(Source(printed_by=value.where, kind="narrative"), ""), value))
    marked = _mark_value(value, md_escape) if not isinstance(value, Markup) else None
    return Markup(marked) if marked is not None else _md_markup(value)


def _text_finalize(value):
    """Narrative text: values literally (without markers), traced figures marked."""
    _printable(value)
    marked = _mark_value(value, None)
    return marked if marked is not None else strip_marks(str(value))


def _trusted(value) -> bool:
    if isinstance(value, Markup):
        return True
    return isinstance(value, (list, tuple)) and any(isinstance(v, Markup) for v in value)


def _as_md(value):
    """Inside formatted text, a plain string argument is literal text."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(md_escape(value))
    return value


def _guard_filter(name: str, func):
    """Wrap a built-in filter: bounded sizes, and formatted text only from formatted text."""
    pass_arg = getattr(func, "jinja_pass_arg", None)

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        lead, rest = (args[:1], args[1:]) if pass_arg is not None else ((), args)
        if not rest:
            return func(*args, **kwargs)
        value, params = rest[0], rest[1:]
        for p in (*params, *kwargs.values()):
            _check_int(p)
        if name == "format":
            _check_format(value)
        if name == "replace" and len(params) >= 2 and isinstance(value, str):
            old, new = str(params[0]), str(params[1])
            count = value.count(old) if old else len(value) + 1
            if len(value) + count * max(0, len(new) - len(old)) > MAX_VALUE_CHARS:
                raise _limit(_("replace 的结果超过 {n} 个字符，已中止").format(n=MAX_VALUE_CHARS))
        if _grows_past(value, tuple(params) + tuple(kwargs.values()), name):
            raise _limit(_("{name} 的结果超过 {n} 个字符，已中止").format(name=name, n=MAX_VALUE_CHARS))
        trusted = _trusted(value)
        if trusted:
            params = tuple(_as_md(p) for p in params)
            kwargs = {k: _as_md(v) for k, v in kwargs.items()}
            if isinstance(value, (list, tuple)):
                value = [_as_md(v) for v in value]
        result = func(*lead, value, *params, **kwargs)
        if isinstance(result, Markup) and not trusted:
            result = str(result)  # a value never becomes markup through a filter
        src = source_of(value)
        if src is not None and not isinstance(result, Markup):  # ind.x.rank | cn: still the rank cell
            result = traced(result, replace(src, computation="，".join(x for x in (src.computation, name) if x)))
        return _check_size(result)

    return wrapped


def _md_escape_filter(value):
    return _md_markup(value)


def _no_safe(value):
    """``safe`` does nothing here: a value always comes out literally."""
    return value


class _CodeGenerator(CodeGenerator):
    """Route ``~`` through the environment, where it is bounded and escapes values."""

    def visit_Concat(self, node, frame):
        self.write("environment.concat_values((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("), context.eval_ctx.autoescape)")


# ---------------------------------------------------------------- loading


class _ConfinedLoader(FileSystemLoader):
    """Templates of one folder only: ``*.md.j2`` files whose real path stays inside it."""

    def __init__(self, folder: Path):
        super().__init__(str(folder), followlinks=False)
        self.folder = Path(folder).resolve()

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        source = strip_marks(source)  # only the renderer writes provenance markers
        if not Path(filename).resolve().is_relative_to(self.folder):
            raise ForbiddenTemplate(_("模板“{name}”是指向模板文件夹之外的链接，不能使用").format(name=template))
        return source, filename, uptodate

    def list_templates(self):
        return [n for n in super().list_templates() if n.endswith(TEMPLATE_SUFFIX)]


class _Environment(ImmutableSandboxedEnvironment):
    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.compiled_text: dict = {}      # narrative text → its compiled template (_compiled)

    def join_path(self, template, parent):
        """Check every name a template includes, imports or extends; a template that refers
        to its own name gets the built-in template of that name."""
        name = str(template)
        if name.startswith("/") or "\\" in name or ".." in PurePosixPath(name).parts:
            raise ForbiddenTemplate(_("模板只能引用 templates/ 文件夹中的模板，不能引用“{name}”").format(name=name))
        if not name.endswith(TEMPLATE_SUFFIX):
            raise ForbiddenTemplate(_("只能引用模板文件（文件名以 {suffix} 结尾），不能引用“{name}”").format(
                suffix=TEMPLATE_SUFFIX, name=name))
        bare_parent = parent[len(BUILTIN_PREFIX):] if parent and parent.startswith(BUILTIN_PREFIX) else parent
        if name == bare_parent and (builtin_templates_dir() / name).is_file():
            return BUILTIN_PREFIX + name
        return name

    def getattr(self, obj, attribute):
        if isinstance(obj, Undefined):  # name the missing name, not its internals
            obj._fail_with_undefined_error()
        value = super().getattr(obj, attribute)
        if value is None:   # a blank value/rank/target prints as a named gap, never as None or nothing
            if isinstance(obj, derive.Figure) and attribute in ("value", "rank", "prev"):
                return derive.Blank(obj.gap("rank" if attribute == "rank" else "value",
                                            obj.year - 1 if attribute == "prev" and obj.year else None))
            if isinstance(obj, derive.Target) and attribute == "target":
                return derive.Blank(obj.gap())
            if isinstance(obj, derive.Rank) and attribute == "number":
                return derive.Blank(obj.gap())
        return value

    def getitem(self, obj, argument):
        if isinstance(obj, Undefined):
            obj._fail_with_undefined_error()
        return super().getitem(obj, argument)

    def is_safe_attribute(self, obj, attr, value):
        if isinstance(obj, Markup):
            return False  # formatted text has no methods for templates
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and \
                    max(abs(left), 2).bit_length() * right > 256:
                raise _limit(_("幂运算 {a} ** {b} 的结果过大，已中止").format(a=left, b=right))
        elif operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_VALUE_CHARS:
                    raise _limit(_("重复生成的文字或列表超过 {n} 个字符（项），已中止").format(n=MAX_VALUE_CHARS))
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
            if isinstance(left, Markup):
                right = tuple(_as_md(r) for r in right) if isinstance(right, tuple) else _as_md(right)
        elif operator == "+" and (isinstance(left, Markup) or isinstance(right, Markup)):
            return _check_size(_md_markup(left) + _md_markup(right))
        return _check_size(super().call_binop(context, operator, left, right))

    def concat_values(self, items, autoescape):
        if autoescape and any(isinstance(x, Markup) for x in items):
            return _check_size(Markup("".join(_md_markup(x) for x in items)))
        return _check_size("".join(strip_marks(str(x)) for x in items))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        if __obj is not _range:  # range has its own limit
            for a in (*args, *kwargs.values()):
                _check_int(a)
        target = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(target, str):
            if name == "join" and args and hasattr(args[0], "__len__") and len(args[0]) * len(target) > MAX_VALUE_CHARS:
                raise _limit(_("join 的结果超过 {n} 个字符，已中止").format(n=MAX_VALUE_CHARS))
            if name == "expandtabs":
                size = args[0] if args and isinstance(args[0], int) else 8
                if len(target) + target.count("\t") * max(size, 0) > MAX_VALUE_CHARS:
                    raise _limit(_("expandtabs 的结果超过 {n} 个字符，已中止").format(n=MAX_VALUE_CHARS))
            if name == "replace" and len(args) >= 2:
                count = target.count(str(args[0])) if args[0] else len(target) + 1
                if len(target) + count * len(str(args[1])) > MAX_VALUE_CHARS:
                    raise _limit(_("replace 的结果超过 {n} 个字符，已中止").format(n=MAX_VALUE_CHARS))
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value):
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            if isinstance(value.__self__, Markup):
                raise SecurityError(f"access to attribute {value.__name__!r} of 'Markup' object is unsafe.")
            _check_format(value.__self__)
        return wrapper


class _Undefined(StrictUndefined):
    """Strict undefined whose message names the missing name and suggests a close one."""

    def _fail_with_undefined_error(self, *args, **kwargs):
        if self._undefined_exception is SecurityError:
            raise SecurityError(self._undefined_hint or "")
        name = self._undefined_name
        obj = self._undefined_obj
        if obj is missing:
            obj = None
        candidates: list[str] = []
        if obj is not None and hasattr(obj, "keys"):
            try:
                candidates = [str(k) for k in obj.keys()]
            except Exception:  # noqa: BLE001 — any mapping-like object
                candidates = []
        hint = ""
        if name is not None and candidates:
            close = [c for c in difflib.get_close_matches(str(name), candidates, n=2, cutoff=0.6) if c != str(name)]
            if close:
                hint = _("是否想用 '{name}'？").format(name=close[0])
        if not hint and name is not None and isinstance(obj, derive.Ranks):   # a scope no rank column gives
            hint = obj._missing_hint(str(name))
        if not hint and name is not None and isinstance(obj, dict):   # e.g. a part of report.yaml's narrative
            hint = _("模板要用“{name}”：在 report.yaml 的相应位置加上“{name}:”这一项，或改正模板中的名称").format(name=name)
        where = f"'{name}'" if name is not None else _("该值")
        if obj is not None and name is not None:
            label = getattr(obj, "label", None)
            text = _("{label} 中没有 {name}").format(label=label, name=where) if isinstance(label, str) \
                else _("没有 {name}").format(name=where)
            raise UndefinedError(text + f"|{hint}")
        raise UndefinedError(_("未定义的名称 {name}").format(name=where) + f"|{hint}")

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
        "rank": lambda rank, scope=None, wording="名": cnfmt.rank_phrase(rank, scope, wording),
        "times": cnfmt.fmt_times,
        "doubling": cnfmt.doubling_phrase,
        "qualify": lambda text, q=None: cnfmt.qualify(str(text), q),
        "date": lambda d: cnfmt.fmt_date(cnfmt.parse_date(d)),
        "cn_year": cnfmt.cn_year,
        "rmb": cnfmt.rmb_upper,
    }


def loaders(ws: Workspace | None) -> list[tuple[str, _ConfinedLoader]]:
    """Where templates come from, first match wins: (source label, loader)."""
    out = []
    if ws is not None and ws.templates.is_dir():
        out.append(("workspace", _ConfinedLoader(ws.templates)))
    out.append(("builtin", _ConfinedLoader(builtin_templates_dir())))
    return out


_BYTECODE_KEEP = 400     # compiled templates kept per kind of environment (temporary workspaces add up)


_TEMPLATE_CACHE_FOLDERS = 4   # salts kept: a reportgen upgrade or code edit makes a new folder


def _compiled_code_digest() -> bytes:
    """What the compiled code of a template depends on besides its text: the code generator and
    the filters (render/*.py, core/cnfmt.py: whether a filter takes the environment or context is
    compiled in), reportgen's, Jinja's and Python's versions."""
    import hashlib

    import jinja2

    from .. import __version__

    h = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted([*here.glob("*.py"), here.parent / "core" / "cnfmt.py"]):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(b"\0".join([__version__.encode(), jinja2.__version__.encode(), sys.version.encode()]))
    return h.digest()


@functools.lru_cache(maxsize=2)
def _bytecode_cache(for_text: bool):
    """Compiled templates kept per machine (Jinja's FileSystemBytecodeCache): a new process
    loads them instead of compiling again (≈0.1 s of a cold build).  Jinja checks each entry
    against the template's source; the folder's name holds everything else the compiled code
    depends on (:func:`_compiled_code_digest`, the kind of environment).  The folder must be
    this user's alone (core.cache.private_dir): what is in it runs as code.  A damaged entry is
    compiled again, an unwritable folder only not refilled; no usable folder, no cache.
    ``REPORTGEN_TEMPLATE_CACHE=0`` turns it off."""
    if os.environ.get("REPORTGEN_TEMPLATE_CACHE", "1") == "0":
        return None
    import hashlib
    import shutil

    from jinja2 import FileSystemBytecodeCache

    from ..core.cache import private_dir

    salt = hashlib.sha256(_compiled_code_digest() + (b"text" if for_text else b"md")).hexdigest()[:16]
    folder = private_dir("templates", salt)
    if folder is None:
        return None
    try:
        entries = sorted(folder.glob("__jinja2_*.cache"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:max(0, len(entries) - _BYTECODE_KEEP)]:
            old.unlink(missing_ok=True)
        os.utime(folder)
        others = sorted((p for p in folder.parent.iterdir() if p.is_dir() and not p.is_symlink()),
                        key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in others[_TEMPLATE_CACHE_FOLDERS * 2:]:     # two kinds of environment a version
            shutil.rmtree(old, ignore_errors=True)
    except OSError:
        return None

    class _Cache(FileSystemBytecodeCache):
        def load_bytecode(self, bucket):
            try:
                super().load_bytecode(bucket)
            except Exception:   # noqa: BLE001 — a damaged entry (cut short, another format): compile again
                bucket.reset()

        def dump_bytecode(self, bucket):
            try:
                super().dump_bytecode(bucket)
            except OSError:     # a full disk, a folder made read-only meanwhile: not kept
                pass

    return _Cache(str(folder))


def make_env(ws: Workspace | None, *, for_text: bool = False) -> _Environment:
    found = loaders(ws)
    builtin = found[-1][1]
    env = _Environment(
        loader=ChoiceLoader([PrefixLoader({BUILTIN_PREFIX.rstrip("/"): builtin}), *(ld for _, ld in found)]),
        bytecode_cache=_bytecode_cache(for_text),
        undefined=_Undefined,
        autoescape=not for_text,
        finalize=_text_finalize if for_text else _md_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
    )
    for name in REMOVED_GLOBALS:
        env.globals.pop(name, None)
    env.globals["range"] = _range
    for name in REMOVED_FILTERS:
        env.filters.pop(name, None)
    env.filters.update(_filters())
    env.filters = {name: _guard_filter(name, f) for name, f in env.filters.items()}
    if for_text:
        env.filters["safe"] = _no_safe
    else:
        env.filters["safe"] = _no_safe
        for name in ("e", "escape", "forceescape"):
            env.filters[name] = _md_escape_filter
    return env


# ---------------------------------------------------------------- errors

_JINJA_MESSAGES = [
    (re.compile(r"No filter named '(?P<n>[^']+)'"), N_("没有名为 '{n}' 的过滤器"), "filters"),
    (re.compile(r"No test named '(?P<n>[^']+)'"), N_("没有名为 '{n}' 的判断"), "tests"),
    (re.compile(r"Encountered unknown tag '(?P<n>[^']+)'"), N_("不认识的标签 '{n}'"), "tags"),
    (re.compile(r"Unexpected end of template.*looking for the following tags: (?P<n>.+?)\."),
     N_("模板在结束前缺少 {n}"), None),
    (re.compile(r"unexpected end of template", re.I), N_("模板意外结束（{{ }} 或 {% %} 没有闭合）"), None),
    (re.compile(r"unexpected '(?P<n>[^']+)'"), N_("这里不应出现 '{n}'"), None),
    (re.compile(r"expected token '(?P<a>[^']+)', got '(?P<n>[^']+)'"), N_("这里应为 '{a}'，实际是 '{n}'"), None),
    (re.compile(r"tag name expected"), N_("{% 后缺少标签名"), None),
    (re.compile(r"'(?P<n>[^']+)' is undefined"), N_("未定义的名称 '{n}'"), "names"),
    (re.compile(r"range too big", re.I), N_("range 的范围过大（最多 100000 项）"), None),
    (re.compile(r"access to attribute '(?P<n>[^']+)' of '(?P<t>[^']+)' object is unsafe"),
     N_("不能访问 {t} 的属性 '{n}'"), None),
]
_TAGS = ["if", "elif", "else", "endif", "for", "endfor", "block", "endblock", "extends", "include", "import",
         "from", "macro", "endmacro", "call", "endcall", "set", "endset", "filter", "endfilter", "with", "endwith"]


def _explain(raw: str, env, names) -> tuple[str, str]:
    """A Jinja message in the user's language, with a suggestion when one is close."""
    for pattern, text, pool in _JINJA_MESSAGES:
        m = pattern.search(raw)
        if not m:
            continue
        tokens = {"end of print statement": "}}", "end of statement block": "%}", "end of template": _("模板末尾")}
        groups = {k: tokens.get(v, v).replace("' or '", "'、'") for k, v in m.groupdict().items()}
        message = _(text).replace("{n}", groups.get("n", "")).replace("{a}", groups.get("a", "")) \
            .replace("{t}", groups.get("t", ""))
        hint = ""
        candidates = {"filters": list(env.filters) if env else [], "tests": list(env.tests) if env else [],
                      "tags": _TAGS, "names": list(names or ())}.get(pool or "", [])
        wanted = groups.get("n", "")
        if pool == "tags" and wanted in _TAGS:
            return _("多余的 '{n}'：前面没有与它对应的开始标签").replace("{n}", wanted), ""
        close = [c for c in difflib.get_close_matches(wanted, candidates, n=2, cutoff=0.6) if c != wanted][:1]
        if close:
            hint = _("是否想用 '{name}'？").format(name=close[0])
        return message, hint
    return raw, ""


def _shown(filename: str, ws: Workspace | None) -> str:
    path = Path(filename)
    builtin = builtin_templates_dir()
    try:
        return _("内置模板 {name}").format(name=path.resolve().relative_to(builtin.resolve()).as_posix())
    except ValueError:
        return ws.rel(path) if ws else filename


def _locate(exc: BaseException, ws: Workspace | None) -> tuple[str | None, str]:
    """Where in which template the error happened (``templates/x.md.j2:7``) and that line."""
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
    if not filename or filename.startswith("<"):
        return None, ""
    shown = _shown(filename, ws)
    line_text = ""
    try:
        line_text = Path(filename).read_text("utf-8").splitlines()[lineno - 1].strip()
    except (OSError, IndexError, TypeError):
        pass
    return (f"{shown}:{lineno}" if lineno else shown), line_text


def _template_problem(exc: BaseException, fallback: str, ws: Workspace | None, env=None, names=()) -> Problem:
    """Turn a Jinja error into file:line, the line itself, and a hint."""
    where, line_text = _locate(exc, ws)
    where = where or fallback
    raw = str(getattr(exc, "message", None) or exc)
    message, _sep, hint = raw.partition("|")
    if isinstance(exc, ForbiddenTemplate):
        hint = _("要引用的模板放进工作区的 templates/ 文件夹，文件名以 {suffix} 结尾").format(suffix=TEMPLATE_SUFFIX)
    elif isinstance(exc, SecurityError):
        text, _h = _explain(message, env, names)
        message = _("模板试图做不允许的操作（{what}）").format(what=text)
        hint = _("模板只能使用数据、过滤器和 templates/ 中的模板，不能访问内部属性或其他文件")
    elif isinstance(exc, TemplateSyntaxError):
        text, close = _explain(message, env, names)
        message = _("模板语法错误：{what}").format(what=text)
        hint = close or _("检查 {{ }} 与 {% %} 是否成对、拼写是否正确")
    elif isinstance(exc, TemplatesNotFound | TemplateNotFound):
        message = _("找不到模板 {name}").format(name=getattr(exc, "name", None) or raw)
        hint = _("reportgen templates list 列出可用的模板")
    elif isinstance(exc, RecursionError):
        message = _("模板中的宏或引用递归过深，已中止")
        hint = _("检查宏是否无条件地调用自己，或模板是否引用了自己")
    elif isinstance(exc, MemoryError):
        message = _("模板占用的内存过多，已中止")
        hint = _("检查模板中的循环和重复")
    elif isinstance(exc, UndefinedError):
        if not hint:
            m = re.search(r"'([^']+)'", message)
            pool = [*(names or ()), *(env.globals if env else ())]
            close = difflib.get_close_matches(m.group(1), pool, n=1, cutoff=0.6) if m else []
            message, hint = _explain(message, env, names)
            if close and not hint:
                hint = _("是否想用 '{name}'？").format(name=close[0])
    elif isinstance(exc, TemplateError):
        message, close = _explain(message, env, names)
        hint = hint or close
    elif isinstance(exc, BadValue):
        hint = _("检查这一行输出的值及其来源（数据文件中的单元格或 report.yaml 的文字）")
    elif isinstance(exc, (KeyError, IndexError)):
        message = _("格式或下标中的 {what} 不存在").format(what=str(exc) or type(exc).__name__)
        hint = _("检查 format、% 或 [] 中的名称与序号")
    elif isinstance(exc, LookupError):
        message = _("模板计算出错：{what}").format(what=str(exc))
        hint = _("检查这一行过滤器或方法的参数（如编码名）")
    elif isinstance(exc, AssertionError):
        message = _("过滤器的参数不合适：{what}").format(what=str(exc) or type(exc).__name__)
        hint = _("检查这一行过滤器的参数（如 truncate 的长度）")
    elif type(exc).__module__ == "decimal":
        message = _("数字无法按要求计算或格式化（过大、过小或不是数字）")
        hint = _("检查这一行的数字和格式参数")
    else:  # TypeError, ValueError, ArithmeticError … raised by a value or filter
        message = _("模板计算出错：{what}").format(what=_explain(message, env, names)[0] or type(exc).__name__)
        hint = hint or _("检查这一行的运算和过滤器的参数")
    if line_text:
        message += f"\n    {line_text}"
    return Problem(where, message, hint)


# Every exception a template or a narrative string raises is the template's (a missing key of a
# format string, truncate's assertion, an unknown codec …): reported at its file and line.
_TEMPLATE_ERRORS = (Exception,)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
MAX_NUMBER_DIGITS = 30


class BadValue(ValueError):
    """A value no document can print (a control character, a number of thousands of digits)."""


def _printable(value):
    """Refuse, where it is printed, a value that cannot be set in a document."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        if len(str(abs(value))) > MAX_NUMBER_DIGITS:
            raise BadValue(_("数字有 {n} 位，不是可以印在文件里的数").format(n=len(str(abs(value)))))
    if isinstance(value, str):
        m = _CONTROL.search(value)
        if m:
            raise BadValue(_control_message(m.group()))
    return value


def _control_message(ch: str) -> str:
    if ch == "\ufffd":
        return _("文字中有替换字符 U+FFFD（原文的编码损坏，或含 NUL 字符）")
    return _("文字中有控制字符 U+{code:04X}（文件里不能出现）").format(code=ord(ch))


_COMPILED_MAX = 4096


def _compiled(env, text: str):
    """``env.from_string(text)``, compiled once per process: a year's units share most of their
    narrative, and a preview rebuilds the same text again and again."""
    cache = env.compiled_text
    tmpl = cache.get(text)
    if tmpl is None:
        tmpl = _from_string(env, text)
        if len(cache) >= _COMPILED_MAX:
            cache.clear()
        cache[text] = tmpl
    return tmpl


def _from_string(env, text: str):
    """``env.from_string(text)`` with its compiled code kept per machine, as a template file's is
    (the environment's bytecode cache, ``_bytecode_cache``: Jinja checks the entry against the
    text): the same ``env.compile(text)``, made once; a new process — the batch's fork server,
    a worker meeting a unit's own text — loads it instead of compiling it again (≈0.5 ms a text)."""
    bcc = env.bytecode_cache
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:              # a lone surrogate: Jinja's cache keys need UTF-8
        bcc = None
    if bcc is None:
        return env.from_string(text)
    import hashlib

    bucket = bcc.get_bucket(env, "text:" + hashlib.sha256(data).hexdigest(), None, text)
    code = bucket.code
    if code is None:
        code = env.compile(text)
        bucket.code = code
        bcc.set_bucket(bucket)
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def _render_text(env, source: str, ctx: dict, where: str, ws) -> str:
    m = _CONTROL.search(source)
    if m:
        raise ReportgenError(Problem(where, _control_message(m.group()), _("删去这个字符（常见于从网页或其他软件复制的文字）")))
    text = strip_marks(source)
    if "{" not in text and "\r" not in text:   # no Jinja syntax: Jinja would give the text back as it is
        return _check_size(text)
    try:
        with _guard(where):
            return _check_size(_compiled(env, text).render(ctx))
    except LimitError as exc:
        for p in exc.problems:
            p.where = where
        raise
    except ReportgenError:
        raise
    except _TEMPLATE_ERRORS as exc:
        problem = _template_problem(exc, where, ws, env, ctx.keys())
        problem.where = where
        raise ReportgenError(problem) from None


def render_narrative(value, ctx: dict, where_of, ws: Workspace | None, path=()):
    """Render every string of report.yaml's narrative to literal (escaped) source text."""
    env = _text_env(ws)
    if isinstance(value, str):
        where = where_of(path)
        text = _Narrative(_escape(join_cjk(_render_text(env, value, ctx, where, ws))))
        text.where = where
        return text
    if isinstance(value, list):
        return [render_narrative(v, ctx, where_of, ws, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = _Section({k: render_narrative(v, ctx, where_of, ws, (*path, k)) for k, v in value.items()})
        out.where, out.key = where_of(path), ".".join(str(p) for p in path)
        return out
    return value


class _Section(dict):
    """A mapping of report.yaml's narrative (``plan:`` with ``opening:`` and ``sections:``). A
    template that loops over it wanted a list: written as “key: value” lines, it would print its
    keys (“一是sections”), so the loop stops naming the place instead."""

    where = ""
    key = ""

    def __iter__(self):
        raise ReportgenError(Problem(
            self.where, _("“{key}”应为列表（每项一行，以“- ”开头），这里写成了“键: 值”的映射").format(key=self.key or "report"),
            _("模板逐项使用“{key}”：把其下各行改为以“- ”开头的列表项").format(key=self.key or "report")))


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


def reset() -> None:
    """Forget the environments (and their compiled templates), e.g. after templates changed."""
    _ENV_CACHE.clear()


def render(template_name: str, ctx: dict, ws: Workspace | None) -> str:
    """Render the named template (``summary_plan``) to document source text."""
    env = _md_env(ws)
    name = template_file_name(template_name)
    try:
        with _guard(name):
            env.join_path(name, None)
            tmpl = env.get_template(name)
            chunks = []
            size = 0
            for chunk in tmpl.generate(ctx):
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    _where.set(_shown(tmpl.filename, ws) if tmpl.filename else name)
                    raise _limit(_("模板输出超过 {n} 个字符，已中止").format(n=MAX_OUTPUT_CHARS))
                chunks.append(chunk)
            return "".join(chunks)
    except LimitError as exc:
        raise ReportgenError(_with_line(exc, name, ws)) from None
    except ReportgenError:
        raise
    except _TEMPLATE_ERRORS as exc:
        raise ReportgenError(_template_problem(exc, name, ws, env, ctx.keys())) from None


def _with_line(exc: LimitError, fallback: str, ws) -> list[Problem]:
    """A limit error, placed at the template line that was running."""
    where, line_text = _locate(exc, ws)
    return [Problem(where or p.where or fallback, p.message + (f"\n    {line_text}" if line_text else ""), p.hint)
            for p in exc.problems]


# ---------------------------------------------------------------- the templates an editor sees

_FIRST_COMMENT = re.compile(r"\A\s*\{#-?\s*(.*?)\s*-?#\}", re.S)


@dataclass(frozen=True)
class TemplateInfo:
    """One template as ``reportgen templates list`` shows it."""

    name: str            # summary_plan.md.j2
    source: str          # "workspace" or "builtin"
    path: Path
    description: str     # the first line of the template's first comment
    overrides: bool = False  # a workspace template hiding the built-in one of that name

    @property
    def short_name(self) -> str:
        return self.name[: -len(TEMPLATE_SUFFIX)] if self.name.endswith(TEMPLATE_SUFFIX) else self.name


def describe(text: str) -> str:
    """The description of a template: the first line of its leading ``{# … #}`` comment."""
    m = _FIRST_COMMENT.match(text)
    if not m or not m.group(1).strip():
        return ""
    line = m.group(1).strip().splitlines()[0].strip()
    return line.split("。")[0] + "。" if "。" in line else line


def available_templates(ws: Workspace | None, *, describe_them: bool = True) -> list[TemplateInfo]:
    """Every template, the one in effect for each name first (workspace before built-in).
    ``describe_them=False`` leaves the descriptions empty and reads no template's text."""
    out: list[TemplateInfo] = []
    seen: set[str] = set()
    found = loaders(ws)
    builtin_names = set(found[-1][1].list_templates())
    for source, loader in found:
        for name in sorted(loader.list_templates()):
            path = Path(loader.searchpath[0]) / name
            text = ""
            if describe_them:
                try:
                    text = read_input_text(path, loader.folder, name)
                except ReportgenError:
                    pass
            out.append(TemplateInfo(name, source, path, describe(text),
                                    overrides=source == "workspace" and name in builtin_names))
            seen.add(name)
    return out


def template_text(info: TemplateInfo, ws: Workspace | None = None) -> str:
    """A template's source, read only when it lies inside its template folder (a link leading
    out — ``templates/x.md.j2 → /etc/passwd`` — is refused, naming the link)."""
    folder = builtin_templates_dir() if info.source == "builtin" else ws.templates if ws else info.path.parent
    shown = ws.rel(info.path) if ws and info.source == "workspace" else info.name
    return read_input_text(info.path, folder, shown)


def find_template(ws: Workspace | None, name: str, builtin: bool = False) -> TemplateInfo:
    """The template an editor means by ``name`` (``summary_plan``, ``x.md.j2``, ``builtin/x``)."""
    want = template_file_name(name)
    only_builtin = builtin or want.startswith(BUILTIN_PREFIX)
    want = want.removeprefix(BUILTIN_PREFIX)
    for info in available_templates(ws, describe_them=False):
        if info.name == want and (info.source == "builtin" or not only_builtin):
            return info
    names = sorted({i.short_name for i in available_templates(ws, describe_them=False) if i.source == "builtin" or not only_builtin})
    close = difflib.get_close_matches(want[: -len(TEMPLATE_SUFFIX)], names, n=1, cutoff=0.5)
    hint = _("是否想用 '{name}'？").format(name=close[0]) if close else _("reportgen templates list 列出可用的模板")
    raise ReportgenError(Problem(name, _("没有这个模板"), hint))


_DEFAULT_TITLE = re.compile(r'^\s*默认标题[：:]\s*(".*")\s*$', re.M)


def declared_title(text: str) -> str | None:
    """The default title a template declares in its first comment: ``默认标题："…"`` (a quoted
    string; ``\\n`` separates title lines)."""
    import json

    m = _FIRST_COMMENT.match(text)
    if not m:
        return None
    found = _DEFAULT_TITLE.search(m.group(1))
    if not found:
        return None
    try:
        value = json.loads(found.group(1))
    except ValueError:
        return None
    return value if isinstance(value, str) and value.strip() else None


def default_title(ws: Workspace | None, template: str, where: str = "") -> str:
    """The title of a document of ``template`` when report.yaml gives none: the one the template
    declares. An unknown template, or one that declares no title, is an error naming both."""
    try:
        info = find_template(ws, template)
    except ReportgenError as exc:
        raise ReportgenError([Problem(where or p.where, _("没有模板（文档种类）{name}").format(name=template), p.hint)
                              for p in exc.problems]) from None
    try:
        text = info.path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    title = declared_title(text)
    builtin = builtin_templates_dir() / info.name
    if title is None and info.source == "workspace" and builtin.is_file():
        # a workspace template overriding a built-in kind keeps that kind's title
        title = declared_title(builtin.read_text("utf-8"))
    if title is None:
        raise ReportgenError(Problem(where, _("模板 {name} 没有声明默认标题，report.yaml 中也没有写 title").format(name=template),
                                     _("在 report.yaml（或 documents 的这一项）写 title；或在模板开头的注释中写一行 "
                                       "默认标题：\"{{ unit.name }}\\n{{ year }}年……\"")))
    return title


def template_blocks(text: str) -> list[str]:
    """The names of the blocks a template defines, in order (what an extending template can replace)."""
    from jinja2 import nodes

    env = make_env(None)
    try:
        tree = env.parse(text)
    except TemplateSyntaxError:
        return []
    return [b.name for b in tree.find_all(nodes.Block)]
