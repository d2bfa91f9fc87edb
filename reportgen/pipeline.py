"""The pipeline for one unit and year: load → derive → render → parse → write, and the outputs."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .core import yamlio
from .core.errors import Problem, ProblemList, ReportgenError
from .core.i18n import _
from .model import Chart, Document, Heading, Paragraph, Run, Table, strip_marks
from .write import FORMATS, WRITERS, Target
from .write.style import Style, load_style
from .core.workspace import Workspace

if TYPE_CHECKING:   # the readers, derive and render stages are imported where used: planning a build needs none
    from .read.load import Dataset, UnitYear


@dataclass
class Built:
    unit: str
    title: str
    document: Document
    source: str
    outputs: dict[str, Path] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)      # format → hash of the bytes written
    sizes: dict[str, int] = field(default_factory=dict)


def style_for(ws: Workspace, profiles: tuple[str, ...] = ()) -> Style:
    configured = tuple((ws.config.get("style") or {}).get("profiles") or ())
    return load_style(ws.styles, configured + tuple(profiles))


def load_year(ws: Workspace, year: int, only: list[str] | None = None) -> Dataset:
    """Read and validate a year's data: the reader's checks and the narrative's references.

    The one entry to the data for build, check, preview and fonts."""
    from .check.consistency import check_references
    from .read.load import load

    return load(ws, year, only, validate=check_references)


def _report_where(ws: Workspace, uy: UnitYear):
    report_path = (uy.folder or ws.year_dir(uy.report_year) / uy.unit.id) / "report.yaml"
    rel = ws.rel(report_path)
    try:   # the line where each narrative string starts, for messages (top-level keys' lines otherwise)
        from .check.consistency import passages

        starts = {p.path: p.first_line for p in passages(report_path, ws)}
    except Exception:  # noqa: BLE001 — unreadable files are reported by the reader
        starts = {}

    def where_of(path) -> str:
        line = starts.get(tuple(path)) or (uy.report_lines.get(path[0]) if path else None)
        label = ".".join(str(p) for p in path)
        return f"{rel}:{line}（{label}）" if line else rel

    return where_of


def document_for(ws: Workspace, uy: UnitYear, template: str | None = None, *, draft: bool = False,
                 typed_figures: str = "error", warnings: list | None = None,
                 pending: list | None = None) -> tuple[Document, str]:
    """The document model of one unit-year, and the rendered source it was parsed from — or the
    reasons it cannot be made. This is the one validation ``check``, ``build`` and ``preview`` share:

    * every value, rank or target the document prints is there: a blank cell (or “—”, “待填” …)
      stops the document, naming the cell and where the text uses it — unless ``draft``, which
      prints a highlighted 【待填：名称】 instead and marks the document as a draft;
    * no number typed into the narrative contradicts the sheet (``typed_figures``: "error",
      "warn" — added to ``warnings`` — or "ignore").

    ``template`` picks one of the documents report.yaml lists under ``documents:`` (default:
    the first, or the only one ``template:`` names). ``pending``: ``check`` collects the missing
    figures there (``derive.figures.Gap``, for :func:`gap_problems`' to-do list: one item a cell,
    with its uses in every document) and the document is returned as a draft instead of raising.
    """
    from .derive import figures as derive

    with derive.collecting_gaps() as gaps:
        doc, source = _document(ws, uy, template)
    missing = gaps.used(source)
    problems = ProblemList()
    if missing and not draft:
        if pending is not None:
            pending += missing
        else:
            problems.problems += gap_problems(missing, uy.report_year or uy.year)
    if typed_figures != "ignore":
        from .check.consistency import check_figures

        drift = check_figures(ws, uy)
        if typed_figures == "error":
            problems.problems += drift
        elif warnings is not None:
            warnings += drift
    problems.raise_if_any()
    if missing:
        doc, source = mark_gaps(doc, source, gaps)
    return doc, source


def gap_problems(missing: list, year: int) -> list[Problem]:
    """One problem per blank cell a document prints, naming the cell, the indicator and every
    place the text uses it (a to-do list: in the order the document uses them)."""
    by_cell: dict[tuple[str, str], list] = {}
    for g in missing:
        by_cell.setdefault((g.cell, g.what), []).append(g)
    out = []
    for (cell, what), found in by_cell.items():
        g = found[0]
        places = _("、").join(dict.fromkeys(x.used_at or _("模板中的表格") for x in found))
        out.append(Problem(cell, _("“{name}”的{what}是空的（或只写了“—”“待填”等），文档中用到它：{places}").format(
                               name=g.name, what=what, places=places),
                           _("填入{what}；要先出一份标明待填数据的草稿：reportgen build {year} --draft").format(
                               what=what, year=year)))
    return out


def mark_gaps(doc: Document, source: str, gaps) -> tuple[Document, str]:
    """A draft: each missing figure becomes a highlighted 【待填：名称】 and the document is marked."""
    from .derive import figures as derive

    def label(m) -> str:
        return "【待填：{name}】".format(name=gaps.items[int(m.group(1))].label)   # document text: not translated

    def runs(items: list[Run]) -> list[Run]:
        out: list[Run] = []
        for r in items:
            pos = 0
            for m in derive.GAP_RE.finditer(r.text):
                if m.start() > pos:
                    out.append(Run(r.text[pos:m.start()], r.bold, r.italic))
                out.append(Run(label(m), r.bold, r.italic, mark=True))
                pos = m.end()
            if pos < len(r.text) or not out:
                out.append(Run(r.text[pos:], r.bold, r.italic, mark=r.mark))
        return out

    def fix(blocks) -> None:
        for b in blocks:
            if isinstance(b, (Paragraph, Heading)):
                b.runs = runs(b.runs)
            elif isinstance(b, Table):
                for row in b.rows:
                    for c in row:
                        c.runs = runs(c.runs)

    fix(doc.blocks)
    for att in doc.attachments:
        fix(att.blocks)
        att.title = derive.GAP_RE.sub(label, att.title)
    doc.title_lines = [derive.GAP_RE.sub(label, t) for t in doc.title_lines]
    doc.subtitle_lines = [derive.GAP_RE.sub(label, t) for t in doc.subtitle_lines]
    doc.draft = True
    doc.pending = [f"{g.cell}：{g.label}" for g in gaps.used(source)]
    return doc, derive.GAP_RE.sub(label, source)


def _document(ws: Workspace, uy: UnitYear, template: str | None) -> tuple[Document, str]:
    from .derive import figures as derive
    from .render import parse
    from .render import jinja as render

    from .read import structure
    from .read.documents import specs
    from .read.load import parse_issue_date

    problems = ProblemList()
    ctx = derive.context(uy)
    report = dict(uy.report)
    where_of = _report_where(ws, uy)
    wanted = specs(report, where_of(()).split("（")[0], uy.report_lines, problems)
    for key in ("template", "title", "documents", "results_year"):
        report.pop(key, None)
    raw_date = report.pop("date", None)
    date = parse_issue_date(raw_date, where_of(("date",)), problems) if raw_date is not None else None
    if raw_date is None:
        problems.add(where_of(()), _("report.yaml 缺少成文日期 date"), _("加一行：date: 2024-01-31"))
    structure.validate(report, where_of, problems)
    problems.raise_if_any()
    spec = next((s for s in wanted if s.template == template), None) if template else wanted[0]
    if spec is None:
        raise ReportgenError(Problem(where_of(()), _("report.yaml 没有列出模板 {template} 的文档").format(template=template)))
    title = spec.title if spec.title is not None else render.default_title(ws, spec.template, spec.where)
    with render.tracing(ws) as trace, render.document_budget():   # figures traced; one time budget
        narrative = structure.shape(render.render_narrative(report, ctx, where_of, ws))
        title_lines = [line for line in (render.render_narrative(line, ctx, where_of, ws, ("title",))
                                         for line in str(title).strip().splitlines()) if line.strip()]
        ctx = {**ctx, "report": narrative, "doc": {"title_lines": title_lines, "date": date}}
        source = render.render(spec.template, ctx, ws)
    doc = parse.parse(source, origin=_("{template}（渲染结果）").format(template=f"{spec.template}{render.TEMPLATE_SUFFIX}"),
                      trace=trace)
    doc.author = uy.unit.name
    if ctx.get("completion") and spec.template in _COMPLETION_KINDS and not any(
            isinstance(b, Table) and b.rows and b.rows[0] and b.rows[0][0].text == "指标"
            and any(c.text == "完成率" for c in b.rows[0]) for b in doc.all_blocks()):
        # the data has this year's targets, but no completion table reached the document
        doc.warnings.append(_("有本年目标（{n}项），但文档中没有目标完成情况表（模板覆盖了它所在的块？）").format(
            n=len(ctx["completion"])) + "；" + _("在 report.yaml 的某一节写 table: completion，或不要覆盖 completion 块"))
    return doc, strip_marks(source)


#: the kinds whose built-in template shows this year's targets against the results
_COMPLETION_KINDS = ("summary_plan", "summary", "half_year")


def document_templates(ws: Workspace, unit: str, year: int) -> list[str]:
    """The templates of the documents a unit's report.yaml asks for ([""] for the single one).

    Read cheaply (just the YAML) so a batch can plan its jobs; problems are left to the build.
    """
    from .read.documents import specs

    import yaml

    path = ws.year_dir(year) / unit / "report.yaml"
    try:
        text = ws.read_text(path)
        # no "documents" in the text and no escape that could spell it: no documents: key (a
        # batch of many units plans without parsing each report.yaml)
        if "documents" not in text and "\\" not in text:
            return [""]
        report = yamlio.load(text) or {}
    except (OSError, ReportgenError, yaml.YAMLError):
        return [""]
    if not isinstance(report, dict) or not isinstance(report.get("documents"), list):
        return [""]
    found = [s.template for s in specs(report, str(path), {}, ProblemList())]
    return found if len(found) > 1 else [""]


@dataclass
class Prepared:
    """One document of one unit, through every stage before the writers: the unit's data, the
    template that makes it ("" when the unit makes one), and the model — or the problems that
    stopped it."""

    unit: UnitYear
    template: str
    document: Document | None = None
    source: str = ""
    problems: list[Problem] = field(default_factory=list)
    #: missing figures (``derive.figures.Gap``: check's to-do list, when asked for with ``gaps=True``)
    gaps: list = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def documents(ws: Workspace, year: int, units: list[str] | None = None, templates: list[str] | None = None,
              dataset: Dataset | None = None, *, draft: bool = False, typed_figures: str = "error",
              gaps: bool = False):
    """The one pipeline up to the model, shared by build, check, preview and fonts: read and
    validate the year's data (``load_year``: every data problem at once, raised), then, unit by
    unit, every document its report.yaml lists (or those of ``templates``) through derive →
    render → parse. A document's own problems are kept on it, so the others go on.

    Each document passes :func:`document_for`'s validation (missing figures, typed figures);
    ``draft`` and ``typed_figures`` are handed to it; ``gaps=True`` (check) collects the missing
    figures on ``Prepared.gaps`` instead of failing the document on them.
    """
    data = dataset if dataset is not None else load_year(ws, year, units)
    for uid, uy in data.units.items():
        if units and uid not in units:
            continue
        for template in templates if templates is not None else document_templates(ws, uid, year):
            warnings: list[Problem] = []
            pending: list | None = [] if gaps else None
            try:
                doc, source = document_for(ws, uy, template or None, draft=draft, typed_figures=typed_figures,
                                           warnings=warnings, pending=pending)
            except ReportgenError as exc:
                yield Prepared(uy, template, problems=list(exc.problems), gaps=pending or [], warnings=warnings)
                continue
            yield Prepared(uy, template, doc, source, gaps=pending or [], warnings=warnings)


def texts_by_role(doc: Document, style: Style) -> dict[str, list[tuple[str, str]]]:
    """Each font role → (where, text) of everything set in it, read from the layout flow the
    writers draw (so the coverage check sees exactly what they set)."""
    from .write import flow as layout_flow

    return layout_flow.texts_by_role(layout_flow.flow(doc, style), style)


def layout_warnings(doc: Document, style: Style) -> list[str]:
    """What the layout could not do as the standard wants, without stopping the build: a title
    line too long for the 版心 that has no word boundary to break at."""
    from .write.layout import balance_title

    out = list(doc.warnings)
    for lines, element, label in ((doc.title_lines, "title", _("标题")),
                                  *(([a.title], "annex_title", a.label) for a in doc.attachments)):
        for line in balance_title(lines, style, element)[1]:
            out.append(_("{where}“{text}”过长，找不到合适的词间断行处，已在字间断开").format(where=label, text=line)
                       + "；" + _("可在 title 中用换行自行分行"))
    return out


def safe_filename(title: str) -> str:
    bad = '\\/:*?"<>|\n\r\t'
    name = "".join("_" if ch in bad else ch for ch in title).strip(" .")
    return name or "document"


TEMP_SUFFIX = ".part"


MAX_NAME_BYTES = 255          # one file name on every common file system (ext4, XFS, NTFS, APFS)


def _temp_prefix(name: str) -> str:
    # .NAME~HOST~PID~ : a killed build's leftovers can be told from a running build's files.  NAME
    # is cut short so that a long (but valid) final name never makes the temporary name too long.
    return f".{name[:40]}~{socket.gethostname()[:40]}~{os.getpid()}~"


def os_problem(exc: OSError, path: Path, shown: str | None = None) -> Problem:
    """An operating-system error while writing ``path``, in the user's words, with a hint."""
    import errno

    shown = shown or str(path)
    code = exc.errno
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return Problem(shown, _("无法写入：文件夹只读或没有写入权限（{reason}）").format(reason=exc.strerror),
                       _("换一个可写的输出文件夹（--out），或修改该文件夹的权限"))
    if code == errno.ENAMETOOLONG:
        return Problem(shown, _("文件名过长（{n} 字节，上限 {m}）").format(n=len(path.name.encode()), m=MAX_NAME_BYTES),
                       _("在 report.yaml 中给文档一个更短的 title"))
    if code in (errno.ENOSPC, errno.EDQUOT):
        return Problem(shown, _("磁盘空间已满，文件未写入"), _("清理磁盘空间（或换一个输出文件夹）后重新运行"))
    if code in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
        return Problem(shown, _("这里已有一个同名的文件夹，文件无法写入"), _("把这个文件夹改名或移走"))
    if code == errno.ENOTDIR:
        return Problem(shown, _("路径中的某一级是文件而不是文件夹"), _("检查输出文件夹的路径"))
    return Problem(shown, _("无法写入：{reason}").format(reason=exc.strerror or exc), _("检查输出文件夹是否可写"))


def check_writable_name(path: Path, shown: str | None = None) -> None:
    """Refuse, before anything is written, a final name the file system cannot hold or a folder
    standing where the file goes."""
    if len(path.name.encode()) > MAX_NAME_BYTES:
        import errno

        raise ReportgenError(os_problem(OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG)), path, shown))
    if path.is_dir():
        import errno

        raise ReportgenError(os_problem(OSError(errno.EISDIR, os.strerror(errno.EISDIR)), path, shown))


def _write_temp(path: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path.name), suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        _unlink(tmp)
        raise
    return tmp


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_together(files: dict[Path, bytes]) -> None:
    """Replace several files as one: every new file is written as a hidden temporary first; only
    when all are written are they renamed into place, the old ones kept aside until then.  If
    anything fails (full disk, an obstacle at one name, Ctrl-C) every file is restored as it was
    and the temporaries are removed: a document's DOCX and PDF are both new or both old.
    OS errors become problems naming the path, with a hint."""
    if not files:
        return
    for path in files:
        check_writable_name(path)
    current: Path | None = None
    temps: dict[Path, str] = {}
    kept: dict[Path, str] = {}          # final path → the old file, moved aside
    placed: list[Path] = []
    try:
        for path, data in files.items():
            current = path
            path.parent.mkdir(parents=True, exist_ok=True)
            temps[path] = _write_temp(path, data)
        for path, tmp in temps.items():
            current = path
            if path.exists() or path.is_symlink():
                # The old file is kept aside as a second (hard) link, so the final name holds the
                # old file or the new one at every instant: a build killed here loses nothing (the
                # cleaner may delete the extra link). Without hard links, it is moved aside.
                aside = tempfile.mktemp(prefix=_temp_prefix(path.name), suffix=TEMP_SUFFIX, dir=path.parent)
                try:
                    os.link(path, aside, follow_symlinks=False)
                except (OSError, NotImplementedError):
                    os.rename(path, aside)
                kept[path] = aside
            os.replace(tmp, path)
            placed.append(path)
    except BaseException as exc:
        for path in reversed(placed):
            _unlink(path)
        for path, aside in kept.items():
            try:
                os.rename(aside, path)
            except OSError:
                pass
        for tmp in temps.values():
            _unlink(tmp)
        if isinstance(exc, OSError) and current is not None:
            raise ReportgenError(os_problem(exc, current)) from None
        raise
    for aside in kept.values():
        _unlink(aside)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the target folder, then rename: never a half-written file.

    The temporary file is hidden (``.NAME~HOST~PID~XXXX.part``) and never carries the final name;
    the rename swaps it in at once, so readers see the old file or the new one, nothing else.
    """
    write_together({path: data})


def clean_stale_temp_files(folder: Path) -> list[Path]:
    """Remove the temporary files of builds that were killed (their process is gone)."""
    removed = []
    host = socket.gethostname()
    if not folder.is_dir() or os.name == "nt":   # Windows: os.kill(pid, 0) would end that process
        return removed
    for tmp in folder.glob(f".*{TEMP_SUFFIX}"):
        parts = tmp.name[: -len(TEMP_SUFFIX)].rsplit("~", 3)
        if len(parts) != 4 or parts[1] != host or not parts[2].isdigit():
            continue
        try:
            os.kill(int(parts[2]), 0)
            continue                      # that build is still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        try:
            tmp.unlink()
            removed.append(tmp)
        except FileNotFoundError:
            pass
    return removed


def output_datetime(date: _dt.date | None = None) -> _dt.datetime | _dt.date | None:
    """The one timestamp the outputs carry: ``SOURCE_DATE_EPOCH`` when set, else the document's
    date (成文日期) — never the wall clock, so the same inputs give the same bytes on any day."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ReportgenError(Problem(_("环境变量 SOURCE_DATE_EPOCH"),
                                         _("“{value}”不是 Unix 时间戳（整数秒）").format(value=epoch),
                                         _("例如 SOURCE_DATE_EPOCH=1706659200，或取消该变量"))) from None
    return date


def render_outputs(doc: Document, style: Style, ws: Workspace, formats: tuple[str, ...],
                   date: _dt.date | None = None) -> dict[str, bytes]:
    """Every writer asked for, on one model; every output is produced in memory before anything
    is written. Faces are checked first (a character no face covers stops the document).

    The only date in the outputs is ``output_datetime(date)`` (DOCX core properties, PDF
    CreationDate/ModDate).
    """
    from .write import fonts

    target = Target(style, stamp=output_datetime(date), fonts_dir=ws.fonts)
    wanted = [WRITERS[f] for f in FORMATS if f in formats]
    if "docx" in formats and style.docx_embed_fonts:
        target.fonts = fonts.resolve(style, ws.fonts)     # the stand-ins the DOCX embeds
    if any(w.draws_glyphs for w in wanted):
        resolutions = fonts.resolve(style, ws.fonts)
        problems = glyph_problems(doc, style, ws, resolutions)
        if problems:
            raise ReportgenError(problems)
        target.fonts = resolutions
        target.roots = (ws.root, *{r.face.path.parent for r in resolutions.values() if r.face and r.face.workspace})
    if any(isinstance(b, Chart) for b in doc.all_blocks()):
        # charts are drawn (SVG for the PDF, PNG for the DOCX) with the chart role's face
        if not target.fonts:
            target.fonts = fonts.resolve(style, ws.fonts)
        face = target.fonts.get(style.chart.font)
        if face is None or face.face is None:
            raise ReportgenError(Problem(_("字体"), _("没有可用于图表文字的字体（字体角色 {role}）").format(role=style.chart.font),
                                         _("安装 Noto Sans CJK SC（scripts/setup.sh），或把字体文件放进工作区的 fonts/ 文件夹")))
    # Glyph-drawing writers first: a font problem stops the document before other work.
    return {w.format: w.write(doc, target) for w in sorted(wanted, key=lambda w: not w.draws_glyphs)}


def glyph_problems(doc: Document, style: Style, ws: Workspace, resolutions=None) -> list[Problem]:
    """What stops a glyph-drawing output (PDF) of a document: a font role without a face,
    characters no face covers."""
    from .write import fonts

    resolutions = resolutions if resolutions is not None else fonts.resolve(style, ws.fonts)
    try:
        fonts.require_faces(resolutions)
    except ReportgenError as exc:
        return list(exc.problems)
    return list(fonts.check_coverage(resolutions, texts_by_role(doc, style)))


@dataclass
class CheckReport:
    """What ``check`` found: documents that would build, problems, missing figures, warnings."""

    passed: list[tuple[str, str]] = field(default_factory=list)    # (unit name, document title)
    problems: list[Problem] = field(default_factory=list)
    gaps: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def check_documents(ws: Workspace, year: int, formats: tuple[str, ...] = FORMATS, profiles: tuple[str, ...] = (),
                    typed_figures: str = "error", on_document=None) -> CheckReport:
    """Everything ``build`` would refuse, found without writing anything, all of it at once: the
    style, every unit's data, every document's narrative, templates, missing figures and typed
    figures, and (for PDF) the fonts. A document passes only when it has no problem at all."""
    from .derive import figures as derive



    rep = CheckReport()
    style = None
    try:
        style = style_for(ws, profiles)
    except ReportgenError as exc:
        rep.problems += exc.problems
    try:
        dataset = load_year(ws, year)
    except ReportgenError as exc:
        rep.problems += exc.problems
        return rep
    rep.warnings += dataset.warnings
    glyphs = any(WRITERS[f].draws_glyphs for f in formats if f in WRITERS)
    missing: list = []          # every document's blank cells: one to-do item a cell, with all its uses
    for prepared in documents(ws, year, dataset=dataset, typed_figures=typed_figures, gaps=True):
        found = list(prepared.problems)
        if prepared.document is not None and not prepared.gaps and on_document is not None:
            on_document(prepared)       # e.g. check's warnings about numbers no cell backs
        if prepared.document is not None and style is not None and glyphs:
            found += glyph_problems(prepared.document, style, ws)
        derive.release(prepared.unit)
        missing += prepared.gaps
        seen = {str(x) for x in rep.problems}
        rep.problems += [p for p in found if str(p) not in seen]
        seen_w = {str(x) for x in rep.warnings}
        rep.warnings += [w for w in prepared.warnings if str(w) not in seen_w]
        if not prepared.gaps and not found and style is not None:
            rep.passed.append((prepared.unit.unit.name, prepared.document.title))
    rep.gaps = gap_problems(missing, year)
    return rep


def issue_date(uy: UnitYear) -> _dt.date | None:
    """The document's date of issue (成文日期) from report.yaml, if it has one."""
    raw = uy.report.get("date")
    if raw is None:
        return None
    from .core.cnfmt import parse_date

    return parse_date(raw)


#: The review outputs of ``build --review``: key → file name after the document's title.
REVIEW_FILES = {"review": "（核对稿）.docx", "sources": "（来源）.xlsx"}


def review_outputs(doc: Document, style: Style, ws: Workspace, date: _dt.date | None = None,
                   pdf: bytes | None = None) -> dict[str, bytes]:
    """The 核对稿 (the final DOCX — same fonts and properties — with a comment on every figure)
    and the sources table (pages from ``pdf`` when it was built); the final outputs are not
    touched by this."""
    from .write import fonts

    from .write import docx as docx_writer
    from .write.sources import sources_xlsx

    target = Target(style, stamp=output_datetime(date), fonts_dir=ws.fonts)
    if style.docx_embed_fonts:
        target.fonts = fonts.resolve(style, ws.fonts)
    return {"review": docx_writer.write(doc, target, review=True), "sources": sources_xlsx(doc, pdf)}


def write_outputs(built: Built, data: dict[str, bytes], out_dir: Path) -> Built:
    """Write rendered outputs atomically under the document's title; record their hashes."""
    files = output_paths(built.title, data, out_dir)
    write_together({path: data[fmt] for fmt, path in files.items()})
    for fmt, path in files.items():
        built.outputs[fmt] = path
        built.sha256[fmt] = hashlib.sha256(data[fmt]).hexdigest()
        built.sizes[fmt] = len(data[fmt])
    return built


def output_paths(title: str, formats, out_dir: Path) -> dict[str, Path]:
    """Where each output of a document goes: format → path, named after the title."""
    name = safe_filename(title)
    return {fmt: out_dir / (f"{name}.{fmt}" if fmt in FORMATS else name + REVIEW_FILES[fmt])
            for fmt in (*FORMATS, *REVIEW_FILES) if fmt in formats}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
