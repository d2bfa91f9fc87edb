"""Where a workspace's files are: found from the current folder or ``-C DIR``."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from . import yamlio
from .errors import Problem, ReportgenError
from .i18n import _

MARKER = "reportgen.yaml"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def fonts(self) -> Path:
        return self.root / "fonts"

    @property
    def styles(self) -> Path:
        return self.root / "styles.yaml"

    def year_dir(self, year: int) -> Path:
        return self.data / str(year)

    def rel(self, path: Path) -> str:
        """A path as the user sees it: relative to the workspace when inside it."""
        path = Path(path)
        for p, root in ((path, self.root), (path.resolve(), self.root.resolve())):
            try:
                return str(p.relative_to(root))
            except ValueError:
                continue
        return str(path)

    @property
    def config(self) -> dict:
        path = self.root / MARKER
        try:
            data = yamlio.load(path.read_text("utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ReportgenError(Problem(MARKER, _("YAML 格式错误：{error}").format(error=exc))) from None
        if not isinstance(data, dict):
            raise ReportgenError(Problem(MARKER, _("工作区配置的顶层应为键值映射")))
        return data


def find_workspace(start: Path | None = None) -> Workspace:
    """The nearest folder at or above ``start`` holding ``reportgen.yaml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return Workspace(folder)
    raise ReportgenError(Problem(
        str(here), _("这里不是 reportgen 工作区（找不到 reportgen.yaml）"),
        _("用 reportgen init 目录 新建工作区，或用 -C 目录 指定已有的工作区")))


def sample_root():
    return resources.files("reportgen").joinpath("sample")


def init_workspace(target: Path) -> Workspace:
    """Create a complete working workspace (sample data, template folder, config) at ``target``."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise ReportgenError(Problem(str(target), _("目标目录已存在且不为空，未做任何改动"),
                                     _("换一个新目录名，或先清空该目录")))
    with resources.as_file(sample_root()) as src:
        shutil.copytree(src, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (target / "output").mkdir(exist_ok=True)
    return Workspace(target.resolve())
