"""write.weasyprint_sources: the source texts the WeasyPrint guards check, kept per machine —
the same text as inspect.getsource, read again whenever the file it came from changed."""

import importlib.util
import inspect
import json
import linecache
import os
import subprocess
import sys

from reportgen.write import weasyprint_sources

_GUARDED = "def shaped(x):\n    return x + 1  # the shape a speed-up was written for\n"
_CHANGED = "def shaped(x):\n    return x + 2  # the shape a speed-up was written for\n"


def _function(path, name="shaped"):
    spec = importlib.util.spec_from_file_location(f"m{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def _fresh_process(monkeypatch):
    """What a new process starts with: nothing read yet (linecache too: it would give a file of
    the same size and modification time as it was when read before)."""
    monkeypatch.setattr(weasyprint_sources, "_state", None)
    monkeypatch.delenv("REPORTGEN_WEASYPRINT_TUNING", raising=False)
    linecache.clearcache()


def test_a_changed_file_is_read_again_even_with_its_size_and_time(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "wp_module.py"
    source.write_text(_GUARDED, "utf-8")
    _fresh_process(monkeypatch)
    assert weasyprint_sources.getsource(_function(source)) == inspect.getsource(_function(source)) == _GUARDED
    weasyprint_sources.save()
    memo = tmp_path / "cache" / "reportgen" / "weasyprint" / "sources.json"
    assert _GUARDED in json.loads(memo.read_text("utf-8"))["sources"].values()

    # the next process takes the text from the cache: inspect is not asked
    _fresh_process(monkeypatch)
    real = inspect.getsource
    monkeypatch.setattr(inspect, "getsource", lambda obj: (_ for _ in ()).throw(AssertionError("read")))
    assert weasyprint_sources.getsource(_function(source)) == _GUARDED
    monkeypatch.setattr(inspect, "getsource", real)

    # an upgrade or an edit with the same size and modification time: the new text, not the kept one
    st = source.stat()
    source.write_text(_CHANGED, "utf-8")
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert source.stat().st_size == st.st_size and source.stat().st_mtime_ns == st.st_mtime_ns
    _fresh_process(monkeypatch)
    assert weasyprint_sources.getsource(_function(source)) == _CHANGED
    weasyprint_sources.save()
    assert _GUARDED not in json.loads(memo.read_text("utf-8"))["sources"].values()


def test_a_foreign_or_broken_cache_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "wp_module.py"
    source.write_text(_GUARDED, "utf-8")
    memo = tmp_path / "cache" / "reportgen" / "weasyprint" / "sources.json"
    func = _function(source)
    key = f"{source}\0{func.__code__.co_firstlineno}"
    _fresh_process(monkeypatch)
    planted = {"stamp": weasyprint_sources._stamp(), "files": {}, "sources": {key: _CHANGED}}
    memo.parent.mkdir(parents=True, mode=0o700)
    for text in (json.dumps(planted), "{", json.dumps({**planted, "stamp": ["another python"]})):
        memo.write_text(text, "utf-8")
        _fresh_process(monkeypatch)
        assert weasyprint_sources.getsource(func) == _GUARDED
    # a folder others may write to is not read
    memo.write_text(json.dumps({**planted, "files": {str(source): weasyprint_sources._file_id(str(source))}}), "utf-8")
    _fresh_process(monkeypatch)
    assert weasyprint_sources.getsource(func) == _CHANGED          # ours: the text kept for those bytes
    memo.parent.chmod(0o777)
    _fresh_process(monkeypatch)
    assert weasyprint_sources.getsource(func) == _GUARDED


def test_the_speed_ups_apply_the_same_from_the_cache(tmp_path):
    """A first and a second process (the cache then filled) switch on the same speed-ups, and the
    second reads no function's source with inspect."""
    script = ("import inspect, reportgen.write.pdf as pdf\n"
              "from reportgen.write import weasyprint_tuning as t, weasyprint_memory as m, weasyprint_justify as j\n"
              "t.import_weasyprint()\n"
              "import weasyprint.pdf\n"
              "real = inspect.getsource\n"
              "read = []\n"
              "inspect.getsource = lambda obj: read.append(obj) or real(obj)\n"
              "print(m.apply(), t.apply(), j.apply())\n"
              "print(sum(inspect.isfunction(inspect.unwrap(o)) for o in read))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "REPORTGEN_WEASYPRINT_TUNING": "1"}
    first, second = (subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                    env=env).stdout.splitlines() for _ in range(2))
    assert first[0] == second[0] and "False" not in first[0]
    # at most one still asks inspect itself (the guard of _one_pass_subset)
    assert int(first[1]) > 30 and int(second[1]) <= 1


def test_another_installations_texts_are_kept_but_not_read(tmp_path, monkeypatch):
    """One cache for every installation of this user (a checkout's virtualenv, another's): only
    the files asked for are hashed, the others' entries stay for them."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "wp_module.py"
    source.write_text(_GUARDED, "utf-8")
    memo = tmp_path / "cache" / "reportgen" / "weasyprint" / "sources.json"
    memo.parent.mkdir(parents=True, mode=0o700)
    other = str(tmp_path / "elsewhere" / "weasyprint" / "layout.py")        # not there: never hashed
    memo.write_text(json.dumps({"stamp": weasyprint_sources._stamp(), "files": {other: [1, 2, "00"]},
                                "sources": {f"{other}\0{7}": "def elsewhere(): pass\n"}}), "utf-8")
    _fresh_process(monkeypatch)
    assert weasyprint_sources.getsource(_function(source)) == _GUARDED
    weasyprint_sources.save()
    kept = json.loads(memo.read_text("utf-8"))
    assert kept["files"][other] == [1, 2, "00"] and kept["sources"][f"{other}\0{7}"] == "def elsewhere(): pass\n"
    assert _GUARDED in kept["sources"].values()
