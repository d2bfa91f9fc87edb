"""Where a workspace's files are: found from the current folder or ``-C DIR``."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from . import yamlio
from .errors import Problem, ReportgenError
from .i18n import _

MARKER = "reportgen.yaml"
MAX_INPUT_BYTES = 32 * 1024 * 1024      # one input file (spreadsheet, YAML, template, style)


@lru_cache(maxsize=1)
def package_root() -> Path:
    """reportgen's own folder (built-in templates, styles, sample): always readable."""
    return Path(str(resources.files("reportgen"))).resolve()


def inside(path: Path, root: Path, shown: str | None = None) -> Path:
    """``path`` resolved (links followed), refused when it leads outside ``root`` or the package.

    Every file a build or command reads goes through here (or :func:`read_input`): a symbolic
    link in the workspace that points elsewhere (``templates/x.md.j2 → /etc/passwd``, a linked
    unit folder) is an error naming the link, never a silent read.
    """
    real = Path(path).resolve()
    roots = (Path(root).resolve(), package_root())
    if not any(real.is_relative_to(r) for r in roots):
        raise ReportgenError(Problem(shown or str(path),
                                     _("指向工作区之外（{target}），reportgen 不读取工作区之外的文件").format(target=real),
                                     _("把文件本身复制到工作区中，替换这个链接")))
    return real


def read_input(path: Path, root: Path | None, shown: str | None = None, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file inside ``root`` (``None``: the caller has checked where it
    leads), at most ``limit`` bytes; errors name the file."""
    shown = shown or str(path)
    real = inside(path, root, shown) if root is not None else Path(path)
    try:
        with open(real, "rb") as fh:
            data = fh.read(limit + 1)
    except IsADirectoryError:
        raise ReportgenError(Problem(shown, _("应为文件，实际是文件夹"), _("把这个文件夹改名或移走"))) from None
    except OSError as exc:
        raise ReportgenError(Problem(shown, _("无法读取：{reason}").format(reason=exc.strerror or exc),
                                     _("检查文件是否存在、是否有读取权限"))) from None
    if len(data) > limit:
        raise ReportgenError(Problem(shown, _("文件超过 {mb} MB，不予读取").format(mb=limit // (1024 * 1024)),
                                     _("检查是否放错了文件；数据文件通常只有几十 KB")))
    return data


def decode_utf8(data: bytes, shown: str) -> str:
    """UTF-8 text (a BOM is dropped); any other encoding (GBK …) is named, with the byte offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReportgenError(Problem(f"{shown}:{line}", _("文件不是 UTF-8 编码（可能是 GBK）"),
                                     _("用 UTF-8 编码另存此文件（记事本/WPS：另存为 → 编码 UTF-8）"))) from None


def read_input_text(path: Path, root: Path | None, shown: str | None = None, limit: int = MAX_INPUT_BYTES) -> str:
    shown = shown or str(path)
    return decode_utf8(read_input(path, root, shown, limit), shown)


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
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            pass
        try:     # links followed only when the path as written is not under the workspace
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)

    def inside(self, path: Path) -> Path:
        """``path`` resolved; an error when it (or a link on its way) leads outside the workspace."""
        return inside(path, self.root, self.rel(path))

    def read_bytes(self, path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
        return read_input(path, self.root, self.rel(path), limit)

    def read_text(self, path: Path, limit: int = MAX_INPUT_BYTES) -> str:
        return read_input_text(path, self.root, self.rel(path), limit)

    @property
    def config(self) -> dict:
        path = self.root / MARKER
        try:
            data, node = yamlio.parse(self.read_text(path))
            data = data or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ReportgenError(Problem(f"{MARKER}:{mark.line + 1}" if mark else MARKER,
                                         _("YAML 格式错误：{error}").format(error=getattr(exc, "problem", None) or exc),
                                         yamlio.hint(exc))) from None
        if not isinstance(data, dict):
            raise ReportgenError(Problem(MARKER, _("工作区配置的顶层应为键值映射")))
        from .schema import Config, validate

        validate(Config, data, MARKER, node)
        return data


def find_workspace(start: Path | None = None) -> Workspace:
    """The nearest folder at or above ``start`` holding ``reportgen.yaml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            if is_packaged_sample(folder):
                raise ReportgenError(Problem(
                    str(folder), _("这是 reportgen 安装包自带的示例，不能在这里生成或修改文件"),
                    _("用 reportgen init 目录 --sample 复制一份示例工作区，在副本中操作")))
            return Workspace(folder)
    raise ReportgenError(Problem(
        str(here), _("这里不是 reportgen 工作区（找不到 reportgen.yaml）"),
        _("用 reportgen init 目录 新建工作区，或用 -C 目录 指定已有的工作区")))


def sample_root():
    """The sample workspace packaged with reportgen: the pristine copy ``init --sample`` writes.
    (The repository's root holds the same files as a working workspace; a test keeps them equal.)"""
    return resources.files("reportgen").joinpath("sample")


def is_packaged_sample(folder: Path) -> bool:
    """Whether ``folder`` is the packaged sample itself, which no command may write into."""
    try:
        with resources.as_file(sample_root()) as src:
            return Path(folder).resolve() == Path(src).resolve()
    except (OSError, TypeError):
        return False


def check_new_folder(target: Path) -> None:
    """``init`` writes only into a new or empty folder."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ReportgenError(Problem(str(target), _("目标目录已存在且不为空，未做任何改动"),
                                     _("换一个新目录名，或先清空该目录")))


def init_workspace(target: Path) -> Workspace:
    """Create a complete sample workspace (the packaged sample's data, template folder, config)
    at ``target``."""
    target = Path(target)
    check_new_folder(target)
    with resources.as_file(sample_root()) as src:
        shutil.copytree(src, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (target / "output").mkdir(exist_ok=True)
    return Workspace(target.resolve())
