"""The ``reportgen`` command (click)."""

from __future__ import annotations

import sys

from ..app.workers import start_early

start_early(sys.argv)   # `reportgen build --jobs N`: the workers' fork server imports while this process does

from pathlib import Path  # noqa: E402

import click  # noqa: E402

from .. import __version__  # noqa: E402
from ..core.errors import Problem, ReportgenError  # noqa: E402
from ..core.i18n import _, setup_click  # noqa: E402
from .zh import localize  # noqa: E402
from ..core.workspace import Workspace, find_workspace, init_workspace  # noqa: E402

setup_click()


def _workspace(path: str | None) -> Workspace:
    return find_workspace(Path(path) if path else None)


def _fail(exc: ReportgenError, debug: bool) -> None:
    if debug:
        raise exc
    n = len(exc.problems)
    click.secho(_("错误：发现 {n} 个问题，未生成任何文件。").format(n=n) if n > 1 else _("错误："), fg="red", err=True, bold=True)
    for p in exc.problems:
        click.echo(f"  {p}", err=True)
    sys.exit(1)


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ReportgenError as exc:
            _fail(exc, ctx.obj.get("debug", False) if ctx.obj else False)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except KeyboardInterrupt:
            from ..core.errors import EXIT_INTERRUPTED

            click.secho(_("已中断。"), fg="red", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # the reader went away (`reportgen fonts | head -3`): stop quietly, as cat or ls do
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:  # a bug of ours: say so plainly, keep the traceback for --debug
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(_("内部错误：{error}").format(error=f"{type(exc).__name__}: {exc}"), fg="red", err=True)
            click.echo("  " + _("未生成任何文件。加 --debug 重新运行可看到详细信息，请把它报告给维护者。"), err=True)
            from ..core.errors import EXIT_INTERNAL

            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             help=_("reportgen：由数据生成年度工作总结和工作思路，输出符合 GB/T 9704 的 DOCX 和 PDF。"))
@click.option("-C", "--workspace", "workspace", type=click.Path(file_okay=False), default=None,
              help=_("工作区文件夹（默认：从当前文件夹向上查找）。"))
@click.option("--debug", is_flag=True, help=_("出错时显示 Python 调用栈。"))
@click.version_option(__version__, prog_name="reportgen")
@click.pass_context
def main(ctx, workspace, debug):
    """reportgen: annual work reports (年度工作总结/工作思路) from data, as GB/T 9704 DOCX and PDF."""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace
    ctx.obj["debug"] = debug


@main.command(help=_('生成 YEAR 年的报告（数据在 data/YEAR/，如 2024 年的报告：2023 年工作总结和 2024 年工作思路）。\n\n输入自上次生成以来未变化的文档会跳过（见 output/YEAR/manifest.json）；一个单位失败不影响其他单位。退出码：0 成功，1 输入有误，2 命令用法错误，3 部分文档失败，4 内部错误，130 被中断。'))
@click.argument("year", type=int)
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf", "all"]), default="all", show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help=_("输出文件夹（默认：工作区的 output/YEAR）。"))
@click.option("--all", "all_units", is_flag=True, help=_("生成 data/YEAR/ 下的全部单位（默认）。"))
@click.option("--unit", "units", multiple=True, metavar="ID[,ID…]",
              help=_("只生成这些单位（可重复，或用逗号分隔）。"))
@click.option("--profile", "profiles", multiple=True, help=_("样式方案，例如 bold-headings。"))
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help=_("工作进程数（0：每个 CPU 一个；不写时，只生成一份文档则另用一个进程与 DOCX 同时生成 PDF）。"))
@click.option("--shard", metavar="K/N|auto", default=None,
              help=_("只生成（单位, 格式）任务中的第 K 份（共 N 份，1 ≤ K ≤ N，按工作量均分），供多台机器并行；"
                     "auto：从 Kubernetes 索引任务（JOB_COMPLETION_INDEX）或 Slurm 作业数组（SLURM_ARRAY_TASK_ID）读取。"))
@click.option("--json", "as_json", is_flag=True,
              help=_("在标准输出写出机器可读的运行结果（与 output/YEAR/run.json 相同），其余信息写到标准错误。"))
@click.option("--force", is_flag=True, help=_("输入未变化的文档也重新生成。"))
@click.option("--review", is_flag=True,
              help=_("另外生成核对稿（“（核对稿）.docx”，每个数字带批注：来自哪个文件、工作表、单元格，如何计算）"
                     "和来源表（“（来源）.xlsx”，可排序筛选）；正式稿不变。"))
@click.option("--draft", is_flag=True,
              help=_("数据未填齐也生成草稿：缺的数据以醒目的【待填：指标名称】标出，文档标明“草稿”，文件名带“（草稿）”。"))
@click.option("--typed-figures", "typed_figures", type=click.Choice(["error", "warn"]), default="error",
              show_default=True, help=_("文字中手写的数字与指标表不符时：error 不生成该文档；warn 只提示。"))
@click.pass_context
def build(ctx, year, fmt, out, all_units, units, profiles, jobs, shard, force, review, as_json, draft,
          typed_figures):
    """Build the reports of year YEAR (data/YEAR/: e.g. 2024's report sums up 2023 and plans 2024).

    Documents whose inputs have not changed since the last build are skipped (see
    output/YEAR/manifest.json); one failing unit does not stop the others, and the exit
    status is 1 for input problems, 3 when some documents failed, 4 for a bug, 130 when
    interrupted (README: Exit codes).
    """
    import gc
    import os

    # Start-up makes ≈180 000 long-lived objects (pandas, python-docx, WeasyPrint, the templates)
    # and few cycles: without the collector until the first document is done (batch.run_cli), not
    # ≈20 full collections walking them (≈0.1 s CPU of a cold one-document build).
    gc.disable()
    # one document: its PDF in a second process beside its DOCX, unless --jobs 1 is given
    pdf_side = jobs != 1 or ctx.get_parameter_source("jobs") is click.core.ParameterSource.DEFAULT
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1:   # the workers' fork server imports the pipeline while this process reads and plans
        from ..app.workers import worker_context

        try:        # the fork server warms WeasyPrint up in the run's style (a problem is the run's to report)
            root = str(_workspace(ctx.obj["workspace"]).root)
        except ReportgenError:
            root = None
        worker_context(fmt != "docx", root, tuple(profiles), year=year)
    from ..app.batch import parse_shard, run_cli
    from ..core.errors import EXIT_INTERRUPTED
    from ..pipeline import FORMATS

    units = tuple(u.strip() for item in units for u in item.replace("，", ",").split(",") if u.strip())
    if all_units and units:
        raise click.UsageError(_("--all 与 --unit 不能同时使用。"))
    try:
        ws = _workspace(ctx.obj["workspace"])
        status = run_cli(ws, year, formats=FORMATS if fmt == "all" else (fmt,), units=units,
                         jobs=jobs, shard=parse_shard(shard), force=force,
                         out_dir=Path(out) if out else None, profiles=tuple(profiles),
                         debug=bool(ctx.obj.get("debug")), review=review, as_json=as_json,
                         draft=draft, typed_figures=typed_figures, pdf_side=pdf_side)
    except ReportgenError as exc:
        if as_json:   # a pipeline reads the stopped run too
            import json

            from ..core.errors import EXIT_INPUT

            click.echo(json.dumps({"run_record_version": 1, "year": year, "exit_code": EXIT_INPUT, "status": "failed",
                                   "problems": [str(p) for p in exc.problems], "documents": []},
                                  ensure_ascii=False, indent=2, sort_keys=True))
        raise
    if status == EXIT_INTERRUPTED:
        # Interrupted: what finished is recorded and said; end now rather than after the slow
        # tear-down of every loaded library (the user pressed Ctrl-C to get the prompt back).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    if status:
        sys.exit(status)


@main.command(help=_('检查 YEAR 年报告的数据、文字、模板和样式，不写任何文件：build 会拒绝的，check 先拒绝，并一次列出全部问题和待填数据。'))
@click.argument("year", type=int)
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf", "all"]), default="all", show_default=True,
              help=_("按哪种输出检查（PDF 还要检查字体是否覆盖全部字符）。"))
@click.option("--profile", "profiles", multiple=True, help=_("样式方案，例如 bold-headings。"))
@click.option("--typed-figures", "typed_figures", type=click.Choice(["error", "warn"]), default="error",
              show_default=True, help=_("文字中手写的数字与指标表不符时：error 算作问题；warn 只提示。"))
@click.pass_context
def check(ctx, year, fmt, profiles, typed_figures):
    """Validate the data, narrative, templates and style of the YEAR report without writing anything:
    whatever build would refuse, check refuses first, all at once (pipeline.check_documents)."""
    from ..app.todo import NARRATIVE, TARGET, VALUE, todo_list
    from ..pipeline import FORMATS, check_documents

    ws = _workspace(ctx.obj["workspace"])
    todos = todo_list(ws, year)             # what is still to fill, set or rewrite: listed first
    if todos:
        click.echo(_("{year}年报告的待办事项：").format(year=year))
        for kind, label in ((VALUE, _("要填写的数值")), (TARGET, _("要设定的目标")),
                            (NARRATIVE, _("可能仍是上一年的文字（请核对）"))):
            items = [t for t in todos if t.kind == kind]
            if items:
                click.echo("  " + _("{label}（{n}）：").format(label=label, n=len(items)))
                for t in items:
                    click.echo(f"    {t}")
    listed = {t.where for t in todos if t.kind in (VALUE, TARGET)}
    warned: set = set()          # a narrative text printed by several documents is warned once
    report = check_documents(ws, year, FORMATS if fmt == "all" else (fmt,), tuple(profiles), typed_figures,
                             on_document=lambda prepared: _warn_untraced(ws, prepared, warned))
    for w in report.warnings:
        click.secho(_("注意：{warning}").format(warning=w), fg="yellow", err=True)
    for unit, title in report.passed:
        click.echo(_("{unit}：数据和模板检查通过（{title}）。").format(unit=unit, title=title))
    # every blank cell a document prints, with the place the text uses it (those the list above
    # already names are not repeated)
    gaps = [g for g in report.gaps if g.where not in listed]
    if gaps:
        click.echo(_("待填数据（{n} 项；填好后重新运行 reportgen check {year}，或先用 reportgen build {year} --draft 出草稿）：").format(
            n=len(gaps), year=year))
        for i, p in enumerate(gaps, 1):
            click.echo(f"  {i}. {p.where}：{p.message}")
    rest = [p for p in report.problems if p.where not in listed]
    if rest:
        raise ReportgenError(rest)
    blocking = len(listed) + len(gaps)
    if blocking:
        raise ReportgenError(_("还有 {n} 项待填写或设定（见上面的待办事项），填好后再运行 reportgen check {year}").format(
            n=blocking, year=year))


def _warn_untraced(ws, prepared, warned: set) -> None:
    """Numbers typed into the narrative (or a template) that no sheet cell backs: warnings with
    file:line, so staff see them before review; they do not fail the check."""
    from ..check import provenance

    for u in provenance.untraced(prepared.document):
        where = provenance.typed_at(u, ws.root) or f"{prepared.document.title} {u.place.label}"
        if (where, u.text, u.context) in warned:
            continue
        warned.add((where, u.text, u.context))
        click.echo(_("警告：{where}：数字“{number}”直接写在文字中，不来自数据表：{context}").format(
            where=where, number=u.text, context=u.context), err=True)
        click.echo("    " + _("提示：") + _("把它填进指标表，用 {{ ind.编号 }} 写入，审核时才能查到单元格；"
                                          "年份、日期、序号和名称中的数字不算"), err=True)


@main.command(help=_("说明 YEAR 年文档中的某个数字从哪里来：指标、文件、工作表、单元格和计算方法（出现多次时全部列出）。"))
@click.argument("year", type=int)
@click.argument("text")
@click.option("--unit", "units", multiple=True, metavar="ID", help=_("只查这个单位的文档（可重复）。"))
@click.pass_context
def explain(ctx, year, text, units):
    """Where a figure printed in a document of YEAR comes from."""
    from ..check.provenance import explain_lines, find
    from ..pipeline import document_for, document_templates, load_year

    ws = _workspace(ctx.obj["workspace"])
    dataset = load_year(ws, year, list(units) or None)
    found = 0
    for uy in dataset.units.values():
        for template in document_templates(ws, uy.unit.id, year):
            doc, _source = document_for(ws, uy, template or None)
            for e in find(doc, text):
                found += 1
                click.echo(f"{doc.title} · " + "\n".join(explain_lines(e)))
    if not found:
        raise ReportgenError(Problem(str(year), _("{year} 年的文档中没有“{text}”").format(year=year, text=text),
                                     _("照文档中印出的样子输入数字，如 21.9% 或 全省第14名；用 --unit 指定单位")))


@main.command("new-year", help=_("从 YEAR-1 年的报告开始 YEAR 年的报告：data/YEAR/单位/ 沿用指标行（YEAR-1 年数值待填，黄色）、"
                                  "上一年报告定下的目标、YEAR 年目标的空行（待设定）和 report.yaml（日期顺延一年）；从不覆盖已有目录。"))
@click.argument("year", type=int)
@click.option("--unit", "units", multiple=True, help=_("只处理这个单位（可重复）。"))
@click.pass_context
def new_year(ctx, year, units):
    """Start the YEAR report (data/YEAR/) from the YEAR-1 report (data/YEAR-1/)."""
    from ..app.yearly import describe, new_year as start

    ws = _workspace(ctx.obj["workspace"])
    for s in start(ws, year, tuple(units)):
        click.echo(describe(ws, s, year))
    click.echo(_("填好 {results} 年的数值和 {year} 年的目标（黄色单元格）后运行：reportgen check {year}").format(
        results=year - 1, year=year))


@main.command(help=_('在 DIRECTORY 新建工作区：--unit 单位全称 为本单位的空白工作区（指标表待填写、报告文字的框架），'
                     '--sample 为示例工作区（四个单位的示例数据）。在终端中不给 --unit 时会询问单位全称。'))
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--unit", "unit_name", default=None, metavar=_("单位全称"),
              help=_("本单位全称，如 平阳县科学技术局：新建只有这个单位的空白工作区。"))
@click.option("--id", "unit_id", default=None, help=_("单位编号（data/ 下的文件夹名），默认取地名的拼音，如 pingyang。"))
@click.option("--year", type=int, default=None, help=_("第一份报告的年份（默认：今年），如 2025：总结 2024 年、谋划 2025 年。"))
@click.option("--sample", is_flag=True, help=_("复制 reportgen 自带的示例工作区（鹿城、瓯海、新昌、温州）。"))
def init(directory, unit_name, unit_id, year, sample):
    """Create a workspace in DIRECTORY: a blank one for one's own bureau (--unit), or the sample."""
    import datetime as dt

    if sample:
        if unit_name or unit_id or year:
            raise click.UsageError(_("--sample 不能与 --unit、--id、--year 同时使用。"))
        ws = init_workspace(Path(directory))
        click.echo(_("已在 {root} 新建示例工作区。接着运行：cd {directory} && reportgen build 2024").format(
            root=ws.root, directory=directory))
        return
    if not unit_name:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise ReportgenError(Problem("reportgen init", _("没有指定单位"),
                                         _("用 --unit 单位全称 新建本单位的空白工作区（如 --unit 平阳县科学技术局），"
                                           "或用 --sample 复制示例工作区")))
        unit_name = click.prompt(_("单位全称（如 平阳县科学技术局）"))
    from ..app.starter import blank_workspace

    year = year or dt.date.today().year
    ws, uid = blank_workspace(Path(directory), unit_name, year, unit_id)
    folder = Path(directory) / "data" / str(year) / uid
    click.echo(_("已在 {root} 新建{unit}的工作区：{year}年的报告（总结{prev}年、谋划{year}年）。").format(
        root=ws.root, unit=unit_name.strip(), year=year, prev=year - 1))
    click.echo(_("接着：\n  1. 用 Excel 或 WPS 打开 {xlsx}，填写黄色单元格（{prev}年的数值、{year}年的目标）；\n"
                 "  2. 按本单位的实际改写 {report}；\n"
                 "  3. 运行 reportgen -C {directory} check {year}，再运行 reportgen -C {directory} build {year}。").format(
        xlsx=folder / "indicators.xlsx", report=folder / "report.yaml", prev=year - 1, year=year, directory=directory))


@main.command(help=_('按字体角色显示 PDF 使用的字体，以及是否覆盖文档的全部字符。'))
@click.option("--year", type=int, default=None, help=_("检查这一年的文档是否每个字符都有字形。"))
@click.option("--fontconfig", "fc_out", type=click.Path(dir_okay=False), default=None,
              help=_("写出把正式字体名映射到替代字体的 fontconfig 文件。"))
@click.option("--install", is_flag=True, help=_("为当前用户安装该映射（供 LibreOffice/WPS 使用）。"))
@click.pass_context
def fonts(ctx, year, fc_out, install):
    """Show, per font role, the face the PDF uses and whether it covers the document."""
    from ..write import fonts as fontmod
    from ..app.batch import _pad
    from ..pipeline import documents, style_for, texts_by_role

    try:
        ws = _workspace(ctx.obj["workspace"])
    except ReportgenError:
        ws = None
    style = style_for(ws) if ws else __import__("reportgen.write.style", fromlist=["load_style"]).load_style()
    res = fontmod.resolve(style, ws.fonts if ws else None)
    problems = []
    if year is not None and ws is not None:
        for prepared in documents(ws, year):   # every document every unit lists
            if prepared.document is None:
                raise ReportgenError(prepared.problems)
            problems += fontmod.check_coverage(res, texts_by_role(prepared.document, style))
    for role, r in res.items():
        face = f"{r.face.family}（{r.face.path}）" if r.face else _("未找到")
        kind = _("正式字体") if r.face and not r.substitute else _("开源替代字体（仅供预览）") if r.face else _("缺失")
        cover = ""
        if year is not None and r.face:
            cover = "  " + (_("覆盖全部字符") if not r.missing else _("缺字：{chars}").format(chars="".join(r.missing)))
        click.echo(f"{role:12} {_pad(r.official, 14)} → {face}  [{kind}]{cover}")
    latin = fontmod.latin_face(style)          # digits and Latin letters, as the DOCX's latin_font
    if latin is None:
        none = _("未找到：数字和西文字母用各角色的中文字体")
        click.echo(f"{'latin':12} {_pad(style.latin_font, 14)} → {none}")
    else:
        kind = _("正式字体") if latin.family == style.latin_font else _("开源替代字体（仅供预览）")
        click.echo(f"{'latin':12} {_pad(style.latin_font, 14)} → {latin.family}（{latin.path}）  [{kind}]")
    text = fontmod.fontconfig_aliases(style)
    if fc_out:
        Path(fc_out).write_text(text, "utf-8")
        click.echo(_("已写入 {path}").format(path=fc_out))
    if install:
        target = Path.home() / ".config/fontconfig/conf.d/60-reportgen.conf"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        click.echo(_("已安装字体映射 {path}").format(path=target))
    if problems or any(r.face is None for r in res.values()):
        raise ReportgenError(problems or [p for p in []] or _("有字体角色找不到可用字体"))


@main.group(help=_("列出、查看、复制模板（工作区 templates/ 中的模板覆盖同名内置模板）。"))
def templates():
    """List, show and copy templates (workspace templates/ overrides the built-in ones)."""


@templates.command("list", help=_("列出模板：名称、来源、用途。"))
@click.pass_context
def templates_list(ctx):
    """List the templates: name, where it comes from, what it is for."""
    from ..render.jinja import available_templates

    ws = _workspace_or_none(ctx.obj["workspace"])
    infos = available_templates(ws)
    overridden = {i.name for i in infos if i.overrides}
    rows = []
    for i in infos:
        if i.source == "workspace":
            source = _("工作区（覆盖内置）") if i.overrides else _("工作区")
        else:
            source = _("内置（已被工作区覆盖）") if i.name in overridden else _("内置")
        rows.append((i.short_name, source, i.description))
    widths = [max(_width(r[k]) for r in rows) + 2 for k in (0, 1)] if rows else [0, 0]
    for name, source, description in rows:
        click.echo(_pad(name, widths[0]) + _pad(source, widths[1]) + description)


def _width(text: str) -> int:
    """Columns a text takes on a terminal (Chinese characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


@templates.command("show", help=_("显示当前生效的模板 NAME（builtin/NAME：内置模板）。"))
@click.argument("name")
@click.pass_context
def templates_show(ctx, name):
    """Print the template NAME in effect (builtin/NAME: the built-in one)."""
    from ..render.jinja import find_template, template_text

    ws = _workspace_or_none(ctx.obj["workspace"])
    info = find_template(ws, name)
    click.echo(template_text(info, ws), nl=False)


@templates.command("copy", help=_("把内置模板 NAME 复制到工作区的 templates/ 以便修改。"))
@click.argument("name")
@click.option("--extend", is_flag=True,
              help=_("只写一个继承内置模板的短模板，列出可替换的块。"))
@click.pass_context
def templates_copy(ctx, name, extend):
    """Copy the built-in template NAME into the workspace's templates/ to customise it."""
    from ..pipeline import write_atomic
    from ..render.jinja import find_template, template_blocks, template_text

    ws = _workspace(ctx.obj["workspace"])
    info = find_template(ws, name, builtin=True)
    target = ws.templates / info.name
    if target.exists():
        raise ReportgenError(Problem(ws.rel(target), _("文件已存在，未做任何改动"),
                                     _("直接编辑它；要重新开始，先把它改名或删除")))
    text = template_text(info, ws)
    if extend:
        lines = ["{#- " + _("在内置模板 {name} 的基础上修改：只写要替换的部分（block）。").format(name=info.name) + " -#}",
                 f'{{% extends "{info.name}" %}}']
        for block in template_blocks(text):
            lines.append("{#- " + _("可替换：{{% block {b} %}}……{{% endblock %}}").format(b=block) + " -#}")
        text = "\n".join(lines) + "\n"
    write_atomic(target, text.encode("utf-8"))
    click.echo(_("已复制到 {path}。修改后用 reportgen preview 年份 预览。").format(path=ws.rel(target)))


def _workspace_or_none(path: str | None) -> Workspace | None:
    try:
        return _workspace(path)
    except ReportgenError:
        if path:
            raise
        return None


@main.command(help=_('在本机浏览器中按页预览文档（与 PDF 相同的分页和页码）；数据、模板或样式保存后页面自动更新。'
                     '不给 YEAR 时预览 data/ 下每一年的全部文档。'))
@click.argument("year", type=int, required=False)
@click.option("--port", type=int, default=8000, show_default=True, help=_("127.0.0.1 上的端口（0：任选一个空闲端口）。"))
@click.option("--unit", "unit", default=None, help=_("只预览这个单位。"))
@click.option("--profile", "profiles", multiple=True, help=_("样式方案，例如 bold-headings。"))
@click.pass_context
def preview(ctx, year, port, unit, profiles):
    """Serve every document (of YEAR) as the pages of its PDF on localhost, updated on every save."""
    from ..app.preview import serve

    serve(_workspace(ctx.obj["workspace"]), year, port=port, unit=unit, profiles=tuple(profiles),
          echo=lambda text: click.echo(text))


@main.group(help=_("查看版式（styles.yaml）：生效的数值、全部可设置的项。"))
def style():
    """The layout (styles.yaml): the values in effect, every key that can be set."""


@style.command("show", help=_("显示叠加工作区 styles.yaml 和版式方案之后实际生效的全部版式数值，并标出每个改动来自哪里。"))
@click.option("--profile", "profiles", multiple=True, help=_("样式方案，例如 bold-headings。"))
@click.pass_context
def style_show(ctx, profiles):
    """Print the effective style after the workspace's styles.yaml and the profiles."""
    from ..write.style import load_style, show, style_layers

    ws = _workspace_or_none(ctx.obj["workspace"])
    configured = tuple((ws.config.get("style") or {}).get("profiles") or ()) if ws else ()
    path = ws.styles if ws else None
    load_style(path, configured + tuple(profiles))   # every problem of styles.yaml, in Chinese, first
    click.echo(show(style_layers(path, configured + tuple(profiles))), nl=False)


@style.command("reference", help=_("输出 styles.yaml 全部可设置项的中文说明（Markdown，即 docs/styles-reference.md）。"))
def style_reference():
    """Print the reference of every styles.yaml key (Markdown: docs/styles-reference.md)."""
    from ..write.style import reference

    click.echo(reference(), nl=False)


localize(main)   # click's own words in Chinese for a Chinese run (after every command is defined)


@main.group(help=_("生成清单（manifest.json）的操作。"))
def manifest():
    """Operations on build manifests."""


@manifest.command("merge", help=_("把各分片的 manifest.json 合并成一个，写到 TARGET（各分片须为同一年、同一版本）。"))
@click.argument("target", type=click.Path(dir_okay=False))
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
def manifest_merge(target, sources):
    """Merge the manifest.json of several shards into TARGET."""
    from ..app.batch import dump_manifest, merge_manifests
    from ..pipeline import write_atomic

    merged = merge_manifests([Path(s) for s in sources])
    write_atomic(Path(target), dump_manifest(merged))
    click.echo(_("已合并 {n} 个清单（{docs} 份文档）到 {path}").format(n=len(sources), docs=len(merged["documents"]), path=target))


if __name__ == "__main__":
    main()
