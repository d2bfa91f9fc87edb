"""The PDF conformance checks of test_pdf_layout.py, run on LibreOffice's PDF of the DOCX.

LibreOffice stands in for Word/WPS here: the DOCX is converted with ``soffice --headless
--convert-to pdf`` under a private profile, with FONTCONFIG_FILE pointing at reportgen's mapping
of the official font names (仿宋_GB2312, 黑体, …) to the installed open substitutes.

Differences from the WeasyPrint run, by design of the measurement (not of the expectations):

* Both put 0.2 em between Chinese characters and digits (2024年1月31日): LibreOffice whatever
  the DOCX says (its import ignores w:autoSpaceDE/DN), the PDF by the style's autospace_em, and
  the 署名/日期 positions count it.
* No punctuation hangs past the right edge in either: the DOCX sets ``w:overflowPunct w:val="1"``,
  which LibreOffice's import reads inverted (as "no hanging punctuation"; see write/docx.py).
* LibreOffice embeds the CFF FontName of Noto CJK faces, which is "NotoSerifCJKjp-…" for every
  face of the OpenType collection (JP/KR/SC/TC/HK share one CFF), so a "no JP" check would be
  meaningless; the font checks instead map the embedded name to the families it can belong to
  (``measure.families_of``) and require the role's family among them.
"""

from __future__ import annotations

import pytest

from .test_pdf_layout import PdfLayoutChecks


class TestLibreOfficePdf(PdfLayoutChecks):
    producer = "LibreOffice"

    @pytest.fixture(scope="class")
    @classmethod
    def pages(cls, lo_pages):
        return lo_pages

    @pytest.fixture(scope="class")
    @classmethod
    def pdf_path(cls, lo_pdf):
        return lo_pdf

    @pytest.fixture(scope="class")
    @classmethod
    def font_resolution(cls, embedded_resolution):
        """LibreOffice draws a role with the font the DOCX embeds under the official name (it
        comes before the fontconfig mapping): expect that stand-in, e.g. AR PL UKai CN for 楷体 —
        the PDF's AR PL KaitiM GB forbids editable embedding (fsType 4)."""
        return embedded_resolution
