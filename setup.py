"""Build hook: compile the message catalogs (reportgen/core/locale/*/LC_MESSAGES/*.po → .mo) at build time.

Everything else about the package is in pyproject.toml. A wheel gets the compiled catalogs in
its package; an editable install gets them next to the .po files (ignored by git). At run time
reportgen.i18n compiles a catalog into the user's cache only when its .mo is missing or older
than the .po (a source checkout, or a translator editing the .po).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithCatalogs(build_py):
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((HERE / "reportgen" / "locale").glob("*/LC_MESSAGES/*.po")):
            rel = po.relative_to(HERE).with_suffix(".mo")
            target = (HERE if self.editable_mode else Path(self.build_lib)) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with target.open("wb") as fh:
                write_mo(fh, catalog)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
