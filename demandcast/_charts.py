"""Inline SVG charts for the HTML report: lines with bands, heatmaps, markers.

Every chart is one ``<svg class="dc-chart" data-chart="...">`` string with real
``path``/``rect`` geometry and explicit colours, so it renders the same offline, in
any browser and when the file is mailed around. Text is escaped here; numbers and
dates arrive already formatted (the report owns the language).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

__all__ = [
    "PALETTE",
    "Band",
    "Line",
    "bin_mean",
    "heatmap",
    "line_chart",
    "nice_ticks",
]

#: Line colours, colour-blind safe (Okabe-Ito) after black for actuals.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442")
ACTUAL_COLOUR = "#222222"
GRID_COLOUR = "#e3e3e3"
AXIS_COLOUR = "#888888"
FONT = "font-family:system-ui,'DejaVu Sans',Arial,sans-serif;font-size:11px"


@dataclass(frozen=True)
class Line:
    """One line of a chart; NaN values and gaps wider than ``gap`` break it."""

    x: np.ndarray
    y: np.ndarray
    label: str
    colour: str = ACTUAL_COLOUR
    width: float = 1.4
    dashed: bool = False
    markers: bool = False


@dataclass(frozen=True)
class Band:
    """A filled interval between ``lo`` and ``hi`` (a prediction interval)."""

    x: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    label: str
    colour: str = PALETTE[0]
    opacity: float = 0.18


@dataclass
class _Frame:
    """Plot area and the data -> pixel mapping."""

    width: int
    height: int
    x0: float
    x1: float
    y0: float
    y1: float
    left: int = 58
    right: int = 14
    top: int = 44
    bottom: int = 38
    _spans: tuple[float, float] = field(init=False)

    def __post_init__(self) -> None:
        self._spans = (self.x1 - self.x0 or 1.0, self.y1 - self.y0 or 1.0)

    def px(self, x: np.ndarray) -> np.ndarray:
        inner = self.width - self.left - self.right
        return self.left + (np.asarray(x, dtype="float64") - self.x0) / self._spans[0] * inner

    def py(self, y: np.ndarray) -> np.ndarray:
        inner = self.height - self.top - self.bottom
        return (
            self.top + inner - (np.asarray(y, dtype="float64") - self.y0) / self._spans[1] * inner
        )


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering ``[lo, hi]`` (steps of 1, 2, 2.5 or 5 x 10^k).

    Examples
    --------
    >>> nice_ticks(0, 87)
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    >>> nice_ticks(0, 0)
    [0.0, 1.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [
            float(lo) if math.isfinite(lo) else 0.0,
            (float(lo) if math.isfinite(lo) else 0) + 1.0,
        ]
    raw = (hi - lo) / max(n, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value < hi + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def bin_mean(x: np.ndarray, columns: Sequence[np.ndarray], width: float) -> tuple:
    """Average ``columns`` over bins of ``width`` along ``x`` (NaN-aware): downsampling.

    Returns the bin starts and one averaged array per column; a bin whose values are
    all NaN stays NaN.

    Examples
    --------
    >>> x = np.array([0.0, 1, 2, 3])
    >>> xb, (yb,) = bin_mean(x, [np.array([1.0, 3, np.nan, 5])], 2)
    >>> xb.tolist(), yb.tolist()
    ([0.0, 2.0], [2.0, 5.0])
    """
    x = np.asarray(x, dtype="float64")
    bins = np.floor(x / width)
    keys, codes = np.unique(bins, return_inverse=True)
    out = []
    for col in columns:
        col = np.asarray(col, dtype="float64")
        ok = ~np.isnan(col)
        total = np.bincount(codes[ok], weights=col[ok], minlength=len(keys))
        count = np.bincount(codes[ok], minlength=len(keys))
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(np.where(count > 0, total / np.maximum(count, 1), np.nan))
    return keys * width, out


def _segments(x: np.ndarray, *ys: np.ndarray, gap: float | None) -> list[np.ndarray]:
    """Index runs where every ``ys`` is finite and no step in ``x`` exceeds ``gap``."""
    ok = np.isfinite(x)
    for y in ys:
        ok &= np.isfinite(y)
    breaks = ~ok
    if gap is not None and len(x) > 1:
        jump = np.zeros(len(x), dtype=bool)
        jump[1:] = np.diff(x) > gap
    else:
        jump = np.zeros(len(x), dtype=bool)
    runs: list[np.ndarray] = []
    current: list[int] = []
    for i in range(len(x)):
        if breaks[i] or jump[i]:
            if current:
                runs.append(np.array(current))
            current = [] if breaks[i] else [i]
        else:
            current.append(i)
    if current:
        runs.append(np.array(current))
    return runs


def _coords(px: np.ndarray, py: np.ndarray) -> str:
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))


def _path(px: np.ndarray, py: np.ndarray) -> str:
    if len(px) == 1:  # a lone point: a short horizontal tick so it stays visible
        return f"M{px[0] - 1.5:.1f},{py[0]:.1f}H{px[0] + 1.5:.1f}"
    return "M" + _coords(px, py).replace(" ", "L")


def _open_svg(
    chart: str, width: int, height: int, title: str, key: str, fit: bool = True
) -> list[str]:
    size = "100%" if fit else str(width)
    return [
        f'<svg class="dc-chart" data-chart="{escape(chart)}" data-key="{escape(key)}" '
        f'viewBox="0 0 {width} {height}" width="{size}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet" style="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]


def _legend(items: Sequence[tuple[str, str, str]], left: int) -> list[str]:
    """Legend on the top line: (label, colour, kind) with kind "line", "dash" or "band"."""
    parts, x = [], float(left)
    for label, colour, kind in items:
        if kind == "band":
            parts.append(
                f'<rect x="{x:.0f}" y="9" width="18" height="10" fill="{colour}" '
                f'fill-opacity="0.3"/>'
            )
        else:
            dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
            parts.append(
                f'<path d="M{x:.0f},14H{x + 18:.0f}" stroke="{colour}" stroke-width="2"{dash}/>'
            )
        parts.append(f'<text x="{x + 22:.0f}" y="18" fill="#333">{escape(label)}</text>')
        x += 30 + 6.2 * len(label)
    return parts


def line_chart(
    *,
    chart: str,
    key: str,
    title: str,
    lines: Sequence[Line],
    bands: Sequence[Band] = (),
    x_ticks: Sequence[tuple[float, str]] = (),
    y_format: Callable[[float], str] = lambda v: f"{v:g}",
    y_label: str = "",
    markers: Sequence[tuple[float, str]] = (),
    gap: float | None = None,
    width: int = 960,
    height: int = 280,
    y_min: float | None = 0.0,
) -> str:
    """Lines and filled bands on a shared x axis, as one inline SVG string.

    Parameters
    ----------
    chart, key : str
        ``data-chart`` (the kind of chart) and ``data-key`` (e.g. the series) attributes.
    title : str
        Accessible title (``<title>`` and ``aria-label``).
    lines, bands : sequence of Line / Band
        Bands are drawn first, lines on top, in order.
    x_ticks : sequence of (x, label)
        Tick positions in data units with their (formatted) labels.
    y_format : callable
        Formats the y tick values.
    y_label : str
        Unit text above the y axis.
    markers : sequence of (x, label)
        Vertical dashed lines, e.g. where the forecast starts.
    gap : float, optional
        Break lines and bands where consecutive x differ by more than this.
    y_min : float or None, default 0
        Lower end of the y axis (None: the data minimum).

    Returns
    -------
    str
        ``<svg class="dc-chart" ...>...</svg>``.

    Examples
    --------
    >>> x = np.arange(5.0)
    >>> svg = line_chart(chart="demo", key="a", title="demo",
    ...                  lines=[Line(x, x ** 2, "squares")])
    >>> svg.startswith('<svg class="dc-chart" data-chart="demo"') and "<path" in svg
    True
    """
    xs = [np.asarray(s.x, dtype="float64") for s in lines] + [
        np.asarray(b.x, dtype="float64") for b in bands
    ]
    ys = [np.asarray(s.y, dtype="float64") for s in lines] + [
        np.asarray(v, dtype="float64") for b in bands for v in (b.lo, b.hi)
    ]
    all_x = np.concatenate([*xs, np.array([t for t, _ in x_ticks], dtype="float64")])
    all_y = np.concatenate(ys) if ys else np.array([0.0])
    finite_x = all_x[np.isfinite(all_x)]
    finite_y = all_y[np.isfinite(all_y)]
    x0, x1 = (float(finite_x.min()), float(finite_x.max())) if len(finite_x) else (0.0, 1.0)
    lo = float(finite_y.min()) if len(finite_y) else 0.0
    hi = float(finite_y.max()) if len(finite_y) else 1.0
    if y_min is not None:
        lo = min(lo, y_min)
    y_ticks = nice_ticks(lo, hi if hi > lo else lo + 1)
    frame = _Frame(width, height, x0, x1, y_ticks[0], y_ticks[-1])
    out = _open_svg(chart, width, height, title, key)
    right = width - frame.right
    bottom = height - frame.bottom
    for value in y_ticks:
        y = float(frame.py(np.array([value]))[0])
        out.append(f'<path d="M{frame.left},{y:.1f}H{right}" stroke="{GRID_COLOUR}"/>')
        out.append(
            f'<text x="{frame.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
            f"{escape(y_format(value))}</text>"
        )
    for value, label in x_ticks:
        if not x0 <= value <= x1:
            continue
        x = float(frame.px(np.array([value]))[0])
        out.append(f'<path d="M{x:.1f},{frame.top}V{bottom}" stroke="{GRID_COLOUR}"/>')
        out.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#555">'
            f"{escape(label)}</text>"
        )
    out.append(
        f'<path d="M{frame.left},{frame.top}V{bottom}H{right}" stroke="{AXIS_COLOUR}" fill="none"/>'
    )
    if y_label:
        out.append(
            f'<text x="{frame.left}" y="{frame.top - 6}" fill="#555">{escape(y_label)}</text>'
        )
    for band in bands:
        bx = np.asarray(band.x, dtype="float64")
        blo = np.asarray(band.lo, dtype="float64")
        bhi = np.asarray(band.hi, dtype="float64")
        for idx in _segments(bx, blo, bhi, gap=gap):
            px = frame.px(bx[idx])
            upper = _coords(px, frame.py(bhi[idx]))
            lower = _coords(px[::-1], frame.py(blo[idx][::-1]))
            out.append(
                f'<path d="M{upper.replace(" ", "L")}L{lower.replace(" ", "L")}Z" '
                f'fill="{band.colour}" fill-opacity="{band.opacity}" stroke="none"/>'
            )
    for line in lines:
        lx = np.asarray(line.x, dtype="float64")
        ly = np.asarray(line.y, dtype="float64")
        dash = ' stroke-dasharray="5 3"' if line.dashed else ""
        for idx in _segments(lx, ly, gap=gap):
            px, py = frame.px(lx[idx]), frame.py(ly[idx])
            out.append(
                f'<path d="{_path(px, py)}" fill="none" stroke="{line.colour}" '
                f'stroke-width="{line.width}" stroke-linejoin="round"{dash}/>'
            )
            if line.markers:
                out.extend(
                    f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.6" fill="{line.colour}"/>'
                    for a, b in zip(px, py, strict=True)
                )
    for value, label in markers:
        if not x0 <= value <= x1:
            continue
        x = float(frame.px(np.array([value]))[0])
        out.append(
            f'<path d="M{x:.1f},{frame.top}V{bottom}" stroke="#444" stroke-dasharray="3 3"/>'
        )
        out.append(f'<text x="{x + 4:.1f}" y="{frame.top + 11}" fill="#444">{escape(label)}</text>')
    legend = [(b.label, b.colour, "band") for b in bands] + [
        (s.label, s.colour, "dash" if s.dashed else "line") for s in lines
    ]
    out.extend(_legend(legend, frame.left))
    out.append("</svg>")
    return "\n".join(out)


def _shade(fraction: float) -> str:
    """White -> dark blue for 0 -> 1."""
    f = min(max(fraction, 0.0), 1.0)
    start, end = (247, 251, 255), (8, 48, 107)
    r, g, b = (round(s + (e - s) * f) for s, e in zip(start, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(
    *,
    chart: str,
    key: str,
    title: str,
    values: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    cell_format: Callable[[float], str],
    cell_title: Callable[[int, int, str], str] | None = None,
    empty_label: str = "",
    cell_width: int = 38,
    cell_height: int = 24,
) -> str:
    """A rows x columns grid of shaded cells with the value written in each.

    NaN cells are drawn hatched-grey (no data, e.g. closed) and labelled
    ``empty_label`` in their tooltip.

    Examples
    --------
    >>> svg = heatmap(chart="hm", key="a", title="t", values=np.array([[1.0, np.nan]]),
    ...               row_labels=["ma"], col_labels=["9", "10"], cell_format=str)
    >>> svg.count("<rect")
    2
    """
    values = np.asarray(values, dtype="float64")
    n_rows, n_cols = values.shape
    left, top = 44, 24
    width = left + n_cols * cell_width + 10
    height = top + n_rows * cell_height + 10
    finite = values[np.isfinite(values)]
    vmax = float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
    out = _open_svg(chart, width, height, title, key, fit=False)
    for j, label in enumerate(col_labels):
        x = left + j * cell_width + cell_width / 2
        out.append(
            f'<text x="{x:.1f}" y="{top - 8}" text-anchor="middle" fill="#555">'
            f"{escape(label)}</text>"
        )
    for i, label in enumerate(row_labels):
        y = top + i * cell_height + cell_height / 2 + 4
        out.append(
            f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" fill="#555">{escape(label)}</text>'
        )
        for j in range(n_cols):
            value = values[i, j]
            x, y0 = left + j * cell_width, top + i * cell_height
            ok = bool(np.isfinite(value))
            fill = _shade(value / vmax) if ok else "#eeeeee"
            text = cell_format(value) if ok else empty_label
            tip = cell_title(i, j, text) if cell_title else text
            out.append(
                f'<rect x="{x}" y="{y0}" width="{cell_width - 1}" height="{cell_height - 1}" '
                f'fill="{fill}"><title>{escape(tip)}</title></rect>'
            )
            if ok:
                colour = "#ffffff" if value / vmax > 0.55 else "#222222"
                out.append(
                    f'<text x="{x + (cell_width - 1) / 2:.1f}" '
                    f'y="{y0 + cell_height / 2 + 3.5:.1f}" '
                    f'text-anchor="middle" fill="{colour}" style="font-size:10px">'
                    f"{escape(text)}</text>"
                )
    out.append("</svg>")
    return "\n".join(out)
