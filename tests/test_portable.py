"""Nothing POSIX-only at import time or on the way of a DOCX build: every module imports, and
`reportgen build` makes the DOCX, with the POSIX-only modules made unimportable (as on Windows)."""

import subprocess
import sys

from conftest import REPO

POSIX_ONLY = ("fcntl", "resource", "pwd", "grp", "termios")

BLOCK = ("import sys\n"
         f"for name in {POSIX_ONLY!r}:\n"
         "    sys.modules[name] = None          # `import name` raises ImportError, as on Windows\n")


def run(code: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + code], capture_output=True, text=True, cwd=cwd)


def test_every_module_imports_without_posix_modules():
    proc = run("import importlib, pkgutil, reportgen\n"
               "names = [m.name for m in pkgutil.walk_packages(reportgen.__path__, 'reportgen.')\n"
               "         if not m.name.endswith('__main__')]\n"
               "for name in names:\n"
               "    try:\n"
               "        importlib.import_module(name)\n"
               "    except ImportError as exc:\n"
               "        if 'None in sys.modules' in str(exc):      # a POSIX-only module at import time\n"
               "            print('POSIX', name, exc)\n"
               "        else:                                      # any other import failure is a bug\n"
               "            print('BROKEN', name, exc)\n"
               "print(len(names))\n", cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "POSIX" not in proc.stdout and "BROKEN" not in proc.stdout, proc.stdout
    assert int(proc.stdout.split()[-1]) > 30


def test_a_docx_build_runs_without_posix_modules(tmp_path):
    ws = tmp_path / "ws"
    code = ("import signal\n"
            "if hasattr(signal, 'SIGALRM'):\n"
            "    del signal.SIGALRM                  # no alarm signal on Windows\n"
            "from reportgen.cli import main\n"
            f"main(['init', {str(ws)!r}, '--sample'], standalone_mode=False)\n"
            f"main(['-C', {str(ws)!r}, 'build', '2024', '--unit', 'lucheng', '--format', 'docx'], standalone_mode=False)\n")
    proc = run(code)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(list((ws / "output" / "2024").glob("*.docx"))) == 4
