"""WeasyPrint's presentational-hints stylesheet parsed when first used, not at every import.

``weasyprint/html.py`` makes ``PH_STYLESHEET = CSS(string=PH)`` at import (≈0.011 s CPU in
every process that writes PDF: the fork server, the PDF side process, a one-process build); it is
used only by a document rendered with ``presentational_hints=True``, which reportgen never asks
for.  While WeasyPrint is imported (:func:`weasyprint_tuning.import_weasyprint`), that one call is
answered with a ``CSS`` (a subclass of WeasyPrint's own) that makes itself with the same arguments,
through WeasyPrint's own ``CSS.__init__``, when first asked for anything.  Every other ``CSS(…)``
is WeasyPrint's, and ``weasyprint.html.CSS`` is WeasyPrint's class again once the module is made.
Guarded: only when ``html.py`` has the line this was written for, with the usual source file
loader; otherwise WeasyPrint imports untouched.  ``REPORTGEN_WEASYPRINT_TUNING=0`` leaves it alone.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import sys
import threading

_LINE = "\nPH_STYLESHEET = CSS(string=PH)\n"
_IMPORT = "\nfrom . import CSS,"


def _deferred_class(css: type) -> type:
    lock = threading.Lock()

    class DeferredCSS(css):
        """WeasyPrint's ``CSS(**arguments)``, made when first used."""

        def __init__(self, arguments: dict):        # noqa: D107  (WeasyPrint's __init__ runs later)
            self.__dict__["_reportgen_arguments"] = arguments

        def __getattr__(self, name):                # only what is not there yet
            with lock:
                arguments = self.__dict__.get("_reportgen_arguments")
                if arguments is None:
                    raise AttributeError(name)
                made = css(**arguments)             # whole, then in at once: never seen half made
                self.__dict__.update(made.__dict__)
                del self.__dict__["_reportgen_arguments"]
            return getattr(self, name)

    return DeferredCSS


class _Finder:
    """Finds ``weasyprint.html`` as Python would and runs its import with the deferred call."""

    def __init__(self):
        self.done = False

    def find_spec(self, name, path=None, target=None):
        if name != "weasyprint.html" or self.done:
            return None
        self.done = True
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        loader = getattr(spec, "loader", None)
        if type(loader) is not importlib.machinery.SourceFileLoader:
            return None
        try:
            source = loader.get_source(name)
        except (ImportError, OSError):
            return None
        if source.count(_LINE) != 1 or source.count(_IMPORT) != 1 or source.index(_IMPORT) > source.index(_LINE):
            return None
        real_exec = loader.exec_module

        def exec_module(module):
            del loader.exec_module                  # the loader is Python's own again
            package = sys.modules.get("weasyprint")
            css = getattr(package, "CSS", None)
            if not isinstance(css, type):
                return real_exec(module)
            deferred = _deferred_class(css)

            def make(*args, **kwargs):
                if not args and kwargs.keys() == {"string"} and kwargs["string"] is module.__dict__.get("PH"):
                    return deferred(kwargs)
                return css(*args, **kwargs)

            before = set(sys.modules)
            package.CSS = make
            try:
                real_exec(module)
            finally:
                package.CSS = css
                # whatever took the name meanwhile (html.py itself, a module it imported) gets the class
                for other in [module, *(sys.modules[n] for n in set(sys.modules) - before)]:
                    for attribute, value in list(vars(other).items()):
                        if value is make:
                            setattr(other, attribute, css)

        loader.exec_module = exec_module
        return spec


@contextlib.contextmanager
def deferred():
    """While this runs, an import of WeasyPrint leaves its presentational-hints sheet for later."""
    if "weasyprint.html" in sys.modules:
        yield
        return
    finder = _Finder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
