"""Charts of the document model drawn once with matplotlib: SVG (vector) for the PDF, PNG for the
DOCX — the same figure from the same numbers.

Both outputs are deterministic: no dates or software names in the files, fixed SVG ids
(``svg.hashsalt``), text drawn as outlines (the PDF needs no font for it). The sizes and faces
come from the style (``chart:`` in the style file) and the font roles' resolved faces.
"""

from __future__ import annotations

import io
from pathlib import Path

from ..model import Chart
from .style import Style

MM_PER_INCH = 25.4


def _figure(chart: Chart, style: Style, font: Path | None):
    import matplotlib

    matplotlib.use("agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    c = style.chart
    prop = font_manager.FontProperties(fname=str(font)) if font else None
    kw = {"fontproperties": prop} if prop else {}
    rows = chart.rows
    width_in = style.type_area_mm[0] * c.width_share / MM_PER_INCH
    height_in = (c.base_height_mm + c.row_height_mm * len(rows)) / MM_PER_INCH
    fig = Figure(figsize=(width_in, height_in))
    ax = fig.add_subplot()
    shown = [min(r.value, c.max_percent) if r.value is not None else 0 for r in rows]
    colors = [c.colors.get(r.status, c.colors["default"]) for r in rows]
    ys = list(range(len(rows)))[::-1]
    ax.barh(ys, shown, color=colors, height=c.bar_height)
    ax.set_yticks(ys, [r.label for r in rows], fontsize=c.label_pt, **kw)
    for y, r, v in zip(ys, rows, shown):
        text = "—" if r.value is None else f"{r.value:.1f}%".replace(".0%", "%")
        ax.text(v + c.max_percent * 0.01, y, text, va="center", fontsize=c.value_pt, **kw)
    top = len(rows) - 0.4
    if chart.reference is not None:
        ax.axvline(chart.reference, ls="--", color=c.reference_color, lw=1)
        label = f"{chart.reference_label}{chart.reference:g}%" if chart.reference_label else f"{chart.reference:g}%"
        ax.text(chart.reference, top, label, ha="center", va="bottom", fontsize=c.value_pt, **kw)
    ax.axvline(100, ls="-", color=c.target_color, lw=0.8)
    ax.set_xlim(0, c.max_percent * 1.1)
    ax.set_ylim(-0.6, len(rows) - 0.4 + c.headroom)
    if chart.axis_label:
        ax.set_xlabel(chart.axis_label, fontsize=c.label_pt, **kw)
    for t in ax.get_xticklabels():
        t.set_fontsize(c.value_pt)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def svg(chart: Chart, style: Style, font: Path | None) -> bytes:
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "reportgen", "svg.fonttype": "path"}):
        buf = io.BytesIO()
        _figure(chart, style, font).savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def png(chart: Chart, style: Style, font: Path | None) -> bytes:
    buf = io.BytesIO()
    _figure(chart, style, font).savefig(buf, format="png", dpi=style.chart.png_dpi, metadata={"Software": None})
    return buf.getvalue()


def size_mm(chart: Chart, style: Style) -> tuple[float, float]:
    c = style.chart
    return style.type_area_mm[0] * c.width_share, c.base_height_mm + c.row_height_mm * len(chart.rows)
