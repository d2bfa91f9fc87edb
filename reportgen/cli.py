"""The ``reportgen`` command (click)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from . import __version__
from .errors import ReportgenError
from .workspace import Workspace, find_workspace, init_workspace


def _workspace(path: str | None) -> Workspace:
    return find_workspace(Path(path) if path else None)


def _fail(exc: ReportgenError, debug: bool) -> None:
    if debug:
        raise exc
    n = len(exc.problems)
    click.secho(f"错误：发现 {n} 个问题，未生成任何文件。" if n > 1 else "错误：", fg="red", err=True, bold=True)
    for p in exc.problems:
        click.echo(f"  {p}", err=True)
    sys.exit(1)


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ReportgenError as exc:
            _fail(exc, ctx.obj.get("debug", False) if ctx.obj else False)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug of ours: say so plainly, keep the traceback for --debug
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.secho(f"内部错误：{type(exc).__name__}: {exc}", fg="red", err=True)
            click.echo("  未生成任何文件。加 --debug 重新运行可看到详细信息，请把它报告给维护者。", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "--workspace", "workspace", type=click.Path(file_okay=False), default=None,
              help="Workspace folder (default: found from the current folder).")
@click.option("--debug", is_flag=True, help="Show Python tracebacks.")
@click.version_option(__version__, prog_name="reportgen")
@click.pass_context
def main(ctx, workspace, debug):
    """reportgen: annual work reports (年度工作总结/工作思路) from data, as GB/T 9704 DOCX and PDF."""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace
    ctx.obj["debug"] = debug


@main.command()
@click.argument("year", type=int)
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf", "all"]), default="all", show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: output/YEAR in the workspace).")
@click.option("--unit", "units", multiple=True, help="Build only this unit (repeatable).")
@click.option("--profile", "profiles", multiple=True, help="Style profile, e.g. bold-headings.")
@click.pass_context
def build(ctx, year, fmt, out, units, profiles):
    """Build the documents of results year YEAR (summary of YEAR, plan for YEAR+1)."""
    from .build import FORMATS, build_unit, style_for
    from .load import load

    ws = _workspace(ctx.obj["workspace"])
    formats = FORMATS if fmt == "all" else (fmt,)
    started = time.perf_counter()
    dataset = load(ws, year, list(units) or None)
    style = style_for(ws, profiles)
    out_dir = Path(out) if out else ws.output / str(year)
    for uy in dataset.units.values():
        built = build_unit(ws, uy, style, formats, out_dir)
        for f, path in built.outputs.items():
            size = path.stat().st_size
            click.echo(f"已生成 {path}（{size / 1024:.0f} KB）")
    click.echo(f"完成，用时 {time.perf_counter() - started:.1f} 秒。")


@main.command()
@click.argument("year", type=int)
@click.pass_context
def check(ctx, year):
    """Validate the data and templates of YEAR without writing anything."""
    from .build import document_for
    from .load import load

    ws = _workspace(ctx.obj["workspace"])
    dataset = load(ws, year)
    for uy in dataset.units.values():
        doc, _ = document_for(ws, uy)
        click.echo(f"{uy.unit.name}：数据和模板检查通过（{doc.title}）。")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
def init(directory):
    """Create a complete sample workspace in DIRECTORY."""
    ws = init_workspace(Path(directory))
    click.echo(f"已在 {ws.root} 新建工作区。接着运行：cd {directory} && reportgen build 2023")


@main.command()
@click.option("--year", type=int, default=None, help="Check coverage of this year's documents.")
@click.option("--fontconfig", "fc_out", type=click.Path(dir_okay=False), default=None,
              help="Write a fontconfig file mapping the official names to the substitutes.")
@click.option("--install", is_flag=True, help="Install that mapping for the current user (for LibreOffice/WPS).")
@click.pass_context
def fonts(ctx, year, fc_out, install):
    """Show, per font role, the face the PDF uses and whether it covers the document."""
    from . import fonts as fontmod
    from .build import document_for, style_for, texts_by_role
    from .load import load

    try:
        ws = _workspace(ctx.obj["workspace"])
    except ReportgenError:
        ws = None
    style = style_for(ws) if ws else __import__("reportgen.style", fromlist=["load_style"]).load_style()
    res = fontmod.resolve(style, ws.fonts if ws else None)
    problems = []
    if year is not None and ws is not None:
        for uy in load(ws, year).units.values():
            doc, _ = document_for(ws, uy)
            problems += fontmod.check_coverage(res, texts_by_role(doc, style))
    for role, r in res.items():
        face = f"{r.face.family}（{r.face.path}）" if r.face else "未找到"
        kind = "正式字体" if r.face and not r.substitute else "开源替代字体（仅供预览）" if r.face else "缺失"
        cover = ""
        if year is not None and r.face:
            cover = "  覆盖全部字符" if not r.missing else f"  缺字：{''.join(r.missing)}"
        click.echo(f"{role:12} {r.official:10} → {face}  [{kind}]{cover}")
    text = fontmod.fontconfig_aliases(style)
    if fc_out:
        Path(fc_out).write_text(text, "utf-8")
        click.echo(f"已写入 {fc_out}")
    if install:
        target = Path.home() / ".config/fontconfig/conf.d/60-reportgen.conf"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        click.echo(f"已安装字体映射 {target}")
    if problems or any(r.face is None for r in res.values()):
        raise ReportgenError(problems or [p for p in []] or "有字体角色找不到可用字体")


if __name__ == "__main__":
    main()
