"""Fonts: which installed face stands for each official role, and whether it covers the text.

The DOCX names the official faces (仿宋_GB2312, 黑体 …) its recipients have.  For the PDF each
role resolves through a chain: font files in the workspace's ``fonts/`` folder first (a bureau
can drop its licensed fonts there), then the style's list of installed families (fontconfig).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import json
import operator
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.cache import cache_dir
from ..core.errors import Problem, ReportgenError
from ..core.i18n import _
from ..core.workspace import inside
from .style import Style

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

# fontTools (≈0.035 s to import) is imported where a font file is opened: a batch's own process
# plans and keys its jobs with this module (the faces' facts remembered per machine) and opens
# no font file.

FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}


@dataclass(frozen=True)
class Face:
    family: str
    path: Path
    index: int = 0
    workspace: bool = False   # from the workspace's fonts/ folder (embedded with @font-face)


@dataclass
class Resolution:
    role: str
    official: str
    face: Face | None
    substitute: bool          # True when the face is an open stand-in, not the official one
    weight: int
    missing: dict[str, list[str]] = field(default_factory=dict)  # char → where it occurs


def _names(font: TTFont) -> set[str]:
    names = set()
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 16):
            try:
                names.add(rec.toUnicode().strip())
            except UnicodeDecodeError:
                continue
    return names


@functools.lru_cache(maxsize=8)
def workspace_faces(folder: Path) -> tuple[tuple[str, Face], ...]:
    """(name, face) for every family/full name of every font file under ``folder``."""
    out: list[tuple[str, Face]] = []
    if not folder.is_dir():
        return ()
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in FONT_SUFFIXES:
            continue
        inside(path, folder.parent, f"fonts/{path.relative_to(folder).as_posix()}")   # no link out of the workspace
        from fontTools.ttLib import TTCollection, TTFont

        try:
            fonts = TTCollection(str(path)).fonts if path.suffix.lower() in (".ttc", ".otc") else [TTFont(str(path), lazy=True)]
        except Exception:
            continue
        for index, font in enumerate(fonts):
            for name in sorted(_names(font)):
                out.append((name, Face(name, path, index, workspace=True)))
    return tuple(out)


_FC_LIST = ["fc-list", "--format", "%{family}\t%{style}\t%{file}\t%{index}\n"]
#: an ``fc-list`` started ahead of its first use (``start_fc_list``), read by ``_fc_list``
_fc_list_ahead: list[subprocess.Popen] = []


def start_fc_list() -> None:
    """Start the ``fc-list`` that ``_fc_list`` reads, now, in the background: the batch's fork
    server starts it before its imports, so that the listing (≈10 ms wall, a process of its
    own) is made on the core the imports leave idle instead of in the middle of its warm-up.
    The same command and environment as ``_fc_list``'s own; anything wrong: it runs its own."""
    if _fc_list_ahead or _fc_list.cache_info().currsize:
        return
    try:
        _fc_list_ahead.append(_popen_fc_list())
    except OSError:
        pass


def _popen_fc_list() -> subprocess.Popen:
    return subprocess.Popen(_FC_LIST, env={**os.environ, "FC_LANG": "zh-cn"},   # names independent of the locale
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@functools.lru_cache(maxsize=1)
def _fc_list() -> tuple[tuple[str, str, str, str], ...]:
    try:
        # the one start_fc_list started ahead, or one started now
        proc = _fc_list_ahead.pop() if _fc_list_ahead else _popen_fc_list()
        out = proc.communicate()[0]
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, _FC_LIST)
    except (OSError, subprocess.CalledProcessError):
        return ()
    rows = []
    for line in sorted(out.splitlines()):
        parts = line.split("\t")
        if len(parts) == 4:
            rows.append(tuple(parts))
    return tuple(rows)


def _fontconfig_state() -> str:
    """What fontconfig's answers depend on besides the installed fonts (``_fc_list``): its
    configuration files (each file's device, inode, size and times, in the folders it reads
    them from) and the variables that choose them."""
    from ..core.cache import file_stamp

    home = Path(os.environ.get("HOME", "~")).expanduser()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    places = [Path(os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"), Path("/etc/fonts/conf.d"),
              config / "fontconfig", home / ".fonts.conf", home / ".fonts.conf.d",
              *(Path(p) for p in os.environ.get("FONTCONFIG_PATH", "").split(os.pathsep) if p)]
    seen = []
    for place in places:
        try:
            files = sorted(place.iterdir()) if place.is_dir() else [place]
            seen += [(str(f), file_stamp(f)) for f in files if f.exists()]
        except OSError:
            seen.append((str(place), None))
    env = [os.environ.get(v) for v in ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT", "XDG_CONFIG_HOME", "HOME")]
    return hashlib.sha256(json.dumps([seen, env, _fc_list()]).encode()).hexdigest()


_BOLD_FILES = "bold-files.json"


def bold_files(families) -> dict[str, str | None]:
    """The file fontconfig (hence Pango) picks for the bold weight of each family (``fc-match
    family:weight=bold``), remembered per machine under the installed fonts and fontconfig's
    configuration (``_fontconfig_state``): each ``fc-match`` costs a process (≈10 ms)."""
    families = sorted(set(families))
    known: dict = {}
    store = state = None
    try:
        from ..core.cache import private_dir

        folder = private_dir("fonts")
        store = folder / _BOLD_FILES if folder is not None else None
        state = _fontconfig_state()
        if store is not None:
            known = json.loads(store.read_text("utf-8"))
            known = known.get(state, {}) if isinstance(known, dict) else {}
    except (OSError, ValueError, AttributeError):
        known = {}
    out = {f: known[f] for f in families if f in known and (known[f] is None or isinstance(known[f], str))}
    missing = [f for f in families if f not in out]
    if missing:
        procs = {}
        for family in missing:               # side by side: one process each
            try:
                procs[family] = subprocess.Popen(["fc-match", "-f", "%{file}", f"{family}:weight=bold"],
                                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            except OSError:
                out[family] = None
        for family, proc in procs.items():
            try:
                out[family] = proc.communicate(timeout=20)[0].strip() or None
            except subprocess.SubprocessError:
                proc.kill()
                proc.communicate()
                out[family] = None
        if store is not None and state is not None and len(procs) == len(missing):
            from ..core.cache import replace_file

            replace_file(store, json.dumps({state: {**known, **out}}, ensure_ascii=False).encode("utf-8"))
    return out


@functools.lru_cache(maxsize=1)
def system_families() -> dict[str, Face]:
    """Installed families (fontconfig), each with the file and index of its regular face."""
    regular = ("Regular", "Book", "常规", "Normal")
    fams: dict[str, tuple[int, Face]] = {}
    for families, styles, file, index in _fc_list():
        score = 0 if any(s in styles.split(",") for s in regular) else 1
        for fam in families.split(","):
            fam = fam.strip()
            if fam and (fam not in fams or score < fams[fam][0]):
                fams[fam] = (score, Face(fam, Path(file), int(index or 0)))
    return {k: v[1] for k, v in fams.items()}


@functools.lru_cache(maxsize=1)
def system_bold_faces() -> dict[str, Face]:
    """Installed families that have a bold face: family → the file and index of that face."""
    out: dict[str, Face] = {}
    for families, styles, file, index in _fc_list():
        if "Bold" in styles.split(","):
            for fam in families.split(","):
                out.setdefault(fam.strip(), Face(fam.strip(), Path(file), int(index or 0)))
    return out


def latin_face(style: Style) -> Face | None:
    """The face the PDF draws digits and Latin letters with: the first installed family of
    ``latin_substitutes`` (Times New Roman, else its metric twin Liberation Serif), as the DOCX
    names ``latin_font`` for them; None leaves them to each role's Chinese face."""
    system = system_families()
    return next((system[name] for name in style.latin_substitutes if name in system), None)


def resolve(style: Style, fonts_dir: Path | None) -> dict[str, Resolution]:
    """Each font role → the face the PDF will use."""
    ws_faces = dict(workspace_faces(fonts_dir)) if fonts_dir else {}
    system = system_families()
    out = {}
    for role, spec in style.fonts.items():
        face = None
        for name in spec.substitutes:
            face = ws_faces.get(name) or system.get(name)
            if face:
                break
        substitute = face is None or face.family != spec.official
        weight = 400 if face is not None and face.family == spec.official else spec.weight
        if face is not None and not face.workspace and weight >= 700:
            # WeasyPrint (through fontconfig) draws this role with the family's bold face: name
            # that file, so that coverage, `reportgen fonts` and the manifest tell the truth.
            face = system_bold_faces().get(face.family, face)
        out[role] = Resolution(role, spec.official, face, substitute, weight)
    return out


class CodePoints:
    """A face's characters as sorted ranges of code points: ``cp in points`` by bisection,
    iteration in order, equal to another ``CodePoints`` or set of the same characters.  Made
    from the cached ranges without building a set of 45 000 integers a CJK face (≈4 ms each)."""

    __slots__ = ("starts", "ends")

    def __init__(self, ranges):
        self.starts = [a for a, _ in ranges]
        self.ends = [b for _, b in ranges]

    @classmethod
    def of(cls, cps) -> "CodePoints":
        return cls(_ranges(cps))

    @classmethod
    def of_bounds(cls, starts: list[int], ends: list[int]) -> "CodePoints":
        """From the ranges' first and last code points, already checked (``_cached_code_points``)."""
        points = cls.__new__(cls)
        points.starts, points.ends = starts, ends
        return points

    def ranges(self) -> list[list[int]]:
        return [[a, b] for a, b in zip(self.starts, self.ends)]

    def __contains__(self, cp) -> bool:
        i = bisect.bisect_right(self.starts, cp) - 1
        return i >= 0 and cp <= self.ends[i]

    def __iter__(self):
        return itertools.chain.from_iterable(map(range, self.starts, [b + 1 for b in self.ends]))

    def __len__(self) -> int:
        return sum(self.ends) - sum(self.starts) + len(self.starts)

    def __eq__(self, other) -> bool:
        if isinstance(other, CodePoints):
            return self.starts == other.starts and self.ends == other.ends
        if isinstance(other, (set, frozenset)):
            return len(self) == len(other) and all(cp in self for cp in other)
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"CodePoints({len(self.starts)} ranges, {len(self)} characters)"


@dataclass(frozen=True)
class _Facts:
    """What reportgen needs of a face: its characters and their advance widths (in em)."""
    cmap: CodePoints
    default: float                 # the most common advance
    widths: dict[int, float]       # code points whose advance differs from ``default``
    missing: float                 # the advance of .notdef (a character the face lacks)

    def advance(self, cp: int) -> float:
        w = self.widths.get(cp)
        return w if w is not None else self.default if cp in self.cmap else self.missing


FACTS_VERSION = 2      # 2: the widths as runs of equal advance over consecutive characters


def _read_facts(path: Path, index: int) -> _Facts:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=index, lazy=True)   # one face of a collection, read lazily
    upem = font["head"].unitsPerEm
    hmtx = font["hmtx"]
    advances = {cp: hmtx[name][0] / upem for cp, name in (font.getBestCmap() or {}).items()}
    counts: dict[float, int] = {}
    for w in advances.values():
        counts[w] = counts.get(w, 0) + 1
    default = max(sorted(counts), key=counts.__getitem__) if counts else 1.0
    missing = hmtx[".notdef"][0] / upem if ".notdef" in hmtx.metrics else 1.0
    return _Facts(CodePoints.of(advances), default, {cp: w for cp, w in advances.items() if w != default}, missing)


def _cache_dir() -> Path:
    return cache_dir("fonts")


def _ranges(cps) -> list[list[int]]:
    out: list[list[int]] = []
    for cp in sorted(cps):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def _width_runs(widths: dict[int, float]) -> list[list]:
    """[first, last, advance] for each run of consecutive code points of the same advance."""
    out: list[list] = []
    for cp, w in sorted(widths.items()):
        if out and out[-1][1] == cp - 1 and out[-1][2] == w:
            out[-1][1] = cp
        else:
            out.append([cp, cp, w])
    return out


def _widths_of(runs) -> dict[int, float]:
    widths: dict[int, float] = {}
    for a, b, w in runs:
        if not (isinstance(a, int) and isinstance(b, int) and isinstance(w, (int, float))) or a > b:
            raise ValueError("not a run of widths")
        widths.update(dict.fromkeys(range(a, b + 1), w))
    return widths


def _cached_code_points(cmap) -> CodePoints:
    """The cache entry's ranges ``[[first, last], …]`` as ``CodePoints``, checked: pairs of
    integers, each first ≤ last, each range after the one before without touching it — else
    ValueError or TypeError (the entry is rebuilt).  Checked by C loops (``map`` over the
    flattened numbers, slices): a CJK face has ≈14 000 ranges, ≈1 ms instead of ≈4."""
    if type(cmap) is not list or not set(map(len, cmap)) <= {2}:
        raise ValueError("not pairs")
    flat = list(itertools.chain.from_iterable(cmap))
    starts, ends = flat[0::2], flat[1::2]
    if not (set(map(type, flat)) <= {int} and all(map(operator.le, starts, ends))
            and all(map(operator.lt, ends[:-1], starts[1:]))):
        raise ValueError("not sorted ranges of code points")
    return CodePoints.of_bounds(starts, ends)


@functools.lru_cache(maxsize=32)
def face_facts(path: Path, index: int) -> _Facts:
    """The face's characters and advances, kept in the user's cache between runs.

    Parsing the cmap and metrics of a Noto CJK collection with fontTools takes ~0.3 s a face
    (1.5 s of a cold one-document build); the cached summary (code point ranges, the advances
    that differ from the common one in runs of consecutive characters) loads in a few ms, the
    characters kept as those ranges (``CodePoints``). The cache entry is keyed by the file's
    path, size and modification time; an unreadable or stale entry is rebuilt, an unwritable
    cache is skipped.
    """
    try:
        st = path.stat()
        key = hashlib.sha256(f"{FACTS_VERSION}\0{path.resolve()}\0{index}\0{st.st_size}\0{st.st_mtime_ns}"
                             .encode()).hexdigest()[:32]
        cache = _cache_dir() / f"{key}.json"
    except (OSError, RuntimeError, KeyError):   # no such file, or no home folder to cache in
        return _read_facts(path, index)
    try:
        data = json.loads(cache.read_text("utf-8"))
        return _Facts(_cached_code_points(data["cmap"]), data["default"], _widths_of(data["widths"]), data["missing"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    facts = _read_facts(path, index)
    data = {"cmap": facts.cmap.ranges(), "default": facts.default, "widths": _width_runs(facts.widths),
            "missing": facts.missing}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass
    return facts


def text_width_em(face: Face, text: str) -> float:
    """Width of ``text`` set in ``face``, in em (before letter spacing)."""
    facts = face_facts(face.path, face.index)
    return sum(facts.advance(ord(ch)) for ch in text)


def check_coverage(resolutions: dict[str, Resolution], texts_by_role: dict[str, list[tuple[str, str]]]) -> list[Problem]:
    """Every character of every role's text must be in that role's face; else a clear problem."""
    problems = []
    for role, items in texts_by_role.items():
        res = resolutions[role]
        if res.face is None:
            problems.append(Problem(_("字体角色“{role}”").format(role=role),
                                    _("找不到可用字体（{font} 及替代字体均未安装）").format(font=res.official),
                                    _("安装开源字体：apt-get install fonts-noto-cjk fonts-arphic-gkai00mp，"
                                      "或把字体文件放进工作区的 fonts/ 目录")))
            continue
        cmap = face_facts(res.face.path, res.face.index).cmap
        for where, text in items:
            for ch in dict.fromkeys(text):
                if ch.isspace() or ord(ch) in cmap:
                    continue
                res.missing.setdefault(ch, []).append(where)
        for ch, places in res.missing.items():
            problems.append(Problem(places[0], _("字符“{char}”（U+{code}）在字体 {font} 中没有字形，会显示为空框").format(
                                        char=ch, code=f"{ord(ch):04X}", font=res.face.family)
                                    + (_("（另见 {n} 处）").format(n=len(places) - 1) if len(places) > 1 else ""),
                                    _("换用常见字符，或在工作区 fonts/ 目录放入包含该字的字体")))
    return problems


def fontconfig_aliases(style: Style, standalone: bool = False) -> str:
    """A fontconfig file mapping the official names to the installed open substitutes.

    LibreOffice (and any fontconfig program) then draws 仿宋_GB2312 with the stand-in instead of
    whatever it would guess.  ``reportgen fonts --install`` writes it to the user's fontconfig;
    ``standalone`` includes the system configuration, for use as ``FONTCONFIG_FILE``.
    """
    resolutions = resolve(style, None)
    lines = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">', "<fontconfig>"]
    if standalone:
        lines.append('  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>')
    aliases = {
        "xiaobiaosong": ["方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "FZXiaoBiaoSong-B05"],
        "fangsong": ["仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312"],
        "heiti": ["黑体", "SimHei"],
        "kaiti": ["楷体_GB2312", "楷体", "KaiTi", "KaiTi_GB2312"],
        "songti": ["宋体", "SimSun"],
    }
    for role, names in aliases.items():
        res = resolutions.get(role)
        if not res or res.face is None:
            continue
        bold = role == "xiaobiaosong" and res.weight >= 700
        for name in names:
            if name == res.face.family:
                continue
            lines += [f'  <match target="pattern"><test name="family"><string>{name}</string></test>',
                      f'    <edit name="family" mode="assign" binding="same"><string>{res.face.family}</string></edit>']
            if bold:  # the stand-in for 小标宋 is the bold weight of a serif face
                lines.append('    <edit name="weight" mode="assign" binding="same"><const>bold</const></edit>')
            lines.append("  </match>")
    latin = next((f for f in style.latin_substitutes if f in system_families()), None)
    if latin and latin != style.latin_font:
        lines += [f'  <match target="pattern"><test name="family"><string>{style.latin_font}</string></test>',
                  f'    <edit name="family" mode="assign" binding="same"><string>{latin}</string></edit></match>']
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"


def require_faces(resolutions: dict[str, Resolution]) -> None:
    missing = [r for r in resolutions.values() if r.face is None]
    if missing:
        raise ReportgenError([Problem(_("字体角色“{role}”").format(role=r.role),
                                      _("找不到可用字体（{font} 及替代字体均未安装）").format(font=r.official),
                                      _("安装开源字体：apt-get install fonts-noto-cjk fonts-arphic-gkai00mp")) for r in missing])
