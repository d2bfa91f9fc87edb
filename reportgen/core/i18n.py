"""Messages in the user's language: Chinese when the locale is Chinese, English otherwise.

The messages are written in Chinese in the code (``_("找不到模板 {name}")``): Chinese is the
language of the users and of the team, a Chinese run needs no catalog, and a message not yet
translated still says something useful. The English catalog ``locale/en/LC_MESSAGES/reportgen.po``
translates them; ``locale/zh/LC_MESSAGES/click.po`` translates click's own English help texts
(Usage:, Options: …) for Chinese runs.

The language follows gettext's rules: the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is
set; ``zh…`` means Chinese, anything else (or nothing) English.

Catalogs are compiled to ``.mo`` at build time (``setup.py``'s build hook compiles every ``.po``
into the wheel, or next to the ``.po`` for an editable install). When a ``.mo`` is missing or
older than its ``.po`` — a source checkout, a translator editing the ``.po`` — it is compiled
on first use into the user's cache folder, so a run never shows stale messages.
"""

from __future__ import annotations

import gettext as _gettext
import hashlib
import io
import os
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "reportgen"
LANG_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language() -> str:
    """``"zh"`` or ``"en"``, from the environment, as gettext reads it."""
    for var in LANG_VARS:
        value = os.environ.get(var)
        if value:
            first = value.split(":")[0].strip().lower()
            return "zh" if first.startswith("zh") else "en"
    return "en"


def _cache_dir() -> Path:
    from .cache import cache_dir

    return cache_dir("locale")


def compile_po(po_path: Path, mo_path: Path) -> None:
    """Compile one ``.po`` catalog to ``.mo`` (Babel's compiler, as ``pybabel compile`` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.part")
    with tmp.open("wb") as fh:
        write_mo(fh, catalog)
    os.replace(tmp, mo_path)


def compiled(lang: str, domain: str) -> Path | None:
    """The fresh compiled catalog ``<dir>/<lang>/LC_MESSAGES/<domain>.mo`` (None without one).

    The packaged ``.mo`` when it is at least as new as its ``.po``; otherwise one compiled into
    the cache, in the same folder layout so that ``gettext.bindtextdomain`` can point at it.
    """
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    mo = po.with_suffix(".mo")
    if not po.is_file():
        return mo if mo.is_file() else None
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo
    digest = hashlib.sha256(po.read_bytes()).hexdigest()[:16]
    cached = _cache_dir() / f"{domain}-{digest}" / lang / "LC_MESSAGES" / f"{domain}.mo"
    if not cached.is_file():
        try:
            compile_po(po, cached)
        except OSError:
            return None
    return cached


def _load(lang: str, domain: str) -> _gettext.NullTranslations:
    found = compiled(lang, domain)
    if found is not None:
        with open(found, "rb") as fh:
            return _gettext.GNUTranslations(fh)
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if not po.is_file():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo  # no writable cache: compile in memory
    from babel.messages.pofile import read_po

    buf = io.BytesIO()
    with po.open("rb") as fh:
        write_mo(buf, read_po(fh))
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


@lru_cache(maxsize=4)
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == "zh":
        return _gettext.NullTranslations()  # the source strings are Chinese
    return _load("en", DOMAIN)


def translations() -> _gettext.NullTranslations:
    return _translations(language())


def gettext(message: str) -> str:
    """Translate a Chinese source message into the user's language."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:  # noqa: N802 — gettext's name for "mark for extraction only"
    """Mark a message for the catalog without translating it yet (translated where it is used)."""
    return message


def setup_click() -> None:
    """Make click's own texts (Usage:, Options:, error lines) follow the language too.

    click translates with the standard ``gettext.gettext``, i.e. through the default text
    domain; for a Chinese run that domain becomes our ``click`` catalog.
    """
    if language() != "zh":
        return
    found = compiled("zh", "click")
    if found is not None:
        _gettext.bindtextdomain("click", str(found.parents[2]))
        _gettext.textdomain("click")
