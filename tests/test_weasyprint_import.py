"""WeasyPrint's library probing is remembered between processes (write/weasyprint_tuning)."""

import json
import os
import subprocess
import sys

PROBE = """
import ctypes.util, sys
calls = []
real = ctypes.util.find_library
def spy(name):
    calls.append(name)
    return real(name)
ctypes.util.find_library = spy
from reportgen.write.weasyprint_tuning import import_weasyprint
import_weasyprint()
from weasyprint.text.ffi import pango
assert pango.pango_units_from_double(1) == 1024
print(len(calls))
"""


def _probe(cache):
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("REPORTGEN_WEASYPRINT_TUNING", None)
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().splitlines()[-1])


def test_library_probing_is_remembered(tmp_path):
    cache = tmp_path / "cache"
    first = _probe(cache)
    assert first > 0                                   # probes ran, and were kept
    memo = json.loads((cache / "reportgen/libraries/find_library.json").read_text("utf-8"))
    assert memo["found"]["pango-1.0"] and "libpango" in memo["found"]["pango-1.0"]
    assert _probe(cache) == 0                          # the next process asks nothing
    memo["stamp"] = "another system library cache"
    (cache / "reportgen/libraries/find_library.json").write_text(json.dumps(memo), "utf-8")
    assert _probe(cache) == first                      # stale: probed again


def test_a_wrong_answer_is_probed_again(tmp_path):
    cache = tmp_path / "cache"
    _probe(cache)
    path = cache / "reportgen/libraries/find_library.json"
    memo = json.loads(path.read_text("utf-8"))
    memo["found"] = {k: (f"/nonexistent/{v}" if v else v) for k, v in memo["found"].items()}
    path.write_text(json.dumps(memo), "utf-8")
    assert _probe(cache) > 0                           # the kept answers did not load: real probing


DECLARED = """
import hashlib, sys
import pycparser.c_parser
parsed = []
real = pycparser.c_parser.CParser.parse
pycparser.c_parser.CParser.parse = lambda self, *a, **k: parsed.append(1) or real(self, *a, **k)
from reportgen.write.weasyprint_tuning import import_weasyprint
import_weasyprint()
from weasyprint.text.ffi import ffi, pango
assert pango.pango_units_from_double(1) == 1024
declared = sorted((name, tp._get_c_name() if hasattr(tp, "_get_c_name") else repr(tp), quals) for name, (tp, quals) in ffi._parser._declarations.items())
print(len(parsed), len(declared), hashlib.sha256(repr(declared).encode()).hexdigest())
"""


def _declared(cache, tuning="1"):
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "REPORTGEN_WEASYPRINT_TUNING": tuning}
    proc = subprocess.run([sys.executable, "-c", DECLARED], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    parsed, count, digest = proc.stdout.split()
    return int(parsed), int(count), digest


def test_c_declarations_parsed_once_per_machine_to_the_same_types(tmp_path):
    cache = tmp_path / "cache"
    parsed, count, plain = _declared(cache, tuning="0")        # cffi alone
    assert parsed == 1 and count > 200
    assert _declared(cache) == (1, count, plain)                # parsed, and kept
    kept = list((cache / "reportgen/weasyprint").glob("cdef-*.pickle"))
    assert len(kept) == 1
    assert _declared(cache) == (0, count, plain)                # the next process parses nothing
    kept[0].write_bytes(kept[0].read_bytes()[:1000])            # a truncated file: parsed again
    assert _declared(cache) == (1, count, plain)
    assert _declared(cache) == (0, count, plain)


HINTS = """
import sys
from reportgen.write.weasyprint_tuning import import_weasyprint
import_weasyprint()
import weasyprint
from weasyprint import html
sheet = html.PH_STYLESHEET
print(type(sheet) is weasyprint.CSS, isinstance(sheet, weasyprint.CSS), weasyprint.PH_STYLESHEET is sheet)
print(all(getattr(m, "CSS", weasyprint.CSS) is weasyprint.CSS for n, m in list(sys.modules.items())
          if n.startswith("weasyprint")), "exec_module" in vars(html.__loader__))
page = ('<center><font color="#c00000" size="6" face="serif">hints</font></center>'
        '<table border="3" cellpadding="9" width="300" bgcolor="#eeeeee"><tr><td align="right">x</td></tr></table>'
        '<hr size="7" noshade><img width="40" height="20" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')

def styles(hints):
    document = weasyprint.HTML(string=page).render(presentational_hints=hints)
    out = []
    def walk(box):
        s = box.style
        out.append((type(box).__name__, box.element_tag, str(s["color"]), s["font_size"], s["font_family"],
                    s["text_align_all"], s["border_top_width"], str(s["background_color"]), box.width, box.height))
        for child in getattr(box, "children", ()):
            walk(child)
    for p in document.pages:
        walk(p._page_box)
    return out

with_hints = styles(True)
print(with_hints == styles(True) != styles(False))
weasyprint.PH_STYLESHEET = weasyprint.CSS(string=html.PH)      # WeasyPrint's own, made now
print(styles(True) == with_hints)
"""


def test_the_presentational_hints_sheet_is_made_when_first_used_and_the_same(tmp_path):
    def run(tuning):
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "REPORTGEN_WEASYPRINT_TUNING": tuning}
        proc = subprocess.run([sys.executable, "-c", HINTS], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    # deferred: a CSS of WeasyPrint's kind, the only one, no name left pointing elsewhere; the
    # same styles as WeasyPrint's own sheet (and different ones without hints)
    assert run("1") == ["False", "True", "True", "True", "False", "True", "True"]
    assert run("0") == ["True", "True", "True", "True", "False", "True", "True"]


C_TYPES_PROBE = """
import pycparser.c_parser
parsed = []
real = pycparser.c_parser.CParser.parse
pycparser.c_parser.CParser.parse = lambda self, *a, **k: parsed.append(1) or real(self, *a, **k)
from reportgen.write.weasyprint_tuning import import_weasyprint
import_weasyprint()
from weasyprint.text.ffi import ffi
from reportgen.write.weasyprint_cdef import C_TYPES, c_types
before = len(parsed)
c_types()
made = [ffi._parsed_types.get(name) for name in C_TYPES]
print(len(parsed) - before, all(made), repr([(ffi.typeof(n).cname, ffi.sizeof(n) if "[]" not in n else 0) for n in C_TYPES]))
"""


def _c_types(cache, tuning="1"):
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "REPORTGEN_WEASYPRINT_TUNING": tuning}
    proc = subprocess.run([sys.executable, "-c", C_TYPES_PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    parsed, made, types = proc.stdout.strip().split(" ", 2)
    return int(parsed), made == "True", types


def test_the_c_types_of_a_first_pdf_are_parsed_once_per_machine(tmp_path):
    """``weasyprint_cdef.c_types`` parses WeasyPrint's C types (among them the table list of its own
    subsetting, ``hb_codepoint_t[11]``) in one declaration, kept per machine like WeasyPrint's
    declarations: a second process parses nothing and gets the same types."""
    cache = tmp_path / "cache"
    assert "hb_codepoint_t[11]" in __import__("reportgen.write.weasyprint_cdef", fromlist=["w"]).C_TYPES
    parsed, made, types = _c_types(cache, tuning="0")          # without the cache: parsed here
    assert parsed == 1 and made and "[11]', 44)" in types            # hb_codepoint_t is uint32_t
    assert _c_types(cache) == (1, True, types)                  # parsed, and kept
    assert _c_types(cache) == (0, True, types)                  # the next process parses nothing


SIZED_PROBE = """
import pycparser.c_parser
parsed = []
real = pycparser.c_parser.CParser.parse
pycparser.c_parser.CParser.parse = lambda self, *a, **k: parsed.append(1) or real(self, *a, **k)
from reportgen.write import pdf
pdf._font_config()                      # what every process writing a PDF does first
from weasyprint.text.ffi import ffi
sizes = (0, 1, 37, 4096)
before = len(parsed)
made = {n: ffi.typeof(f"hb_codepoint_t[{n}]") for n in sizes}
array = ffi.new("hb_codepoint_t[37]", list(range(37)))
unparsed = len(parsed) - before
for n in sizes:                         # cffi's own lookup of the same names: parsed, the same objects
    del ffi._parsed_types[f"hb_codepoint_t[{n}]"]
with ffi._lock:
    own = {n: ffi._typeof_locked(f"hb_codepoint_t[{n}]")[0] for n in sizes}
octal = ffi.sizeof("hb_codepoint_t[010]")   # not a decimal length: cffi's own reading (8 items)
print(unparsed, len(parsed) - before - unparsed, all(made[n] is own[n] for n in sizes),
      ffi.sizeof(made[37]), ffi.sizeof(array), list(array)[-1], octal)
"""


def test_sized_arrays_of_weasyprints_subsetting_are_cffis_types_without_a_parse():
    """``hb_codepoint_t[N]`` (WeasyPrint's own subsetting makes one for each new N: the highest
    glyph id used + 1, another in most documents) is made without pycparser in a process that
    writes PDFs — the very type object cffi's own lookup (a parse) gives."""
    env = {**os.environ}
    env.pop("REPORTGEN_WEASYPRINT_TUNING", None)
    proc = subprocess.run([sys.executable, "-c", SIZED_PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", "5", "True", "148", "148", "36", "32"]
