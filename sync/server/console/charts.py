"""The shift report's plots, drawn server-side by matplotlib as SVG to put
inline in the page.

The only module of ``sync`` that imports matplotlib (a commented exception
in the import-linter contracts), and only when a plot is drawn. Each plot is
its own ``Figure`` on an Agg canvas (the object API, never pyplot), so
requests drawing at once share no state.

The console's Content-Security-Policy refuses inline styles, so the SVG is
rewritten for it: each ``style`` attribute becomes SVG presentation
attributes, the ``<style>`` element, comments and metadata go, and every id
gets the plot's own prefix (several plots share one page).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

STATUS_COLOURS = {
    "applied": "#1a7f37",
    "quarantined": "#bf8700",
    "rejected": "#a40e26",
    "held": "#57606a",
    "denied on the device": "#8250df",
}
"""A series' colour (the same in light and dark: the plot has its own
white ground)."""
OTHER_COLOUR = "#0550ae"
KEPT = 64
"""Plots kept once drawn (drawing one takes a good part of a second)."""
MIN_SLOTS = 5
"""Room for at least this many bars (one shift is not a wall of colour)."""

_STYLE = re.compile(r'\sstyle="([^"]*)"')
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')
_PROPERTY = re.compile(r"^[a-z-]+$")
_VALUE = re.compile(r"^[\w#.,%() -]+$")


@dataclass(frozen=True, slots=True)
class Series:
    """One stacked series of a bar plot."""

    label: str
    values: tuple[float, ...]


def stacked_bars(
    name: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str = "",
) -> Markup:
    """A stacked bar plot as inline SVG, its ids prefixed with ``name``.

    Args:
        name: A prefix unique on the page (letters, digits, dashes).
        title: The plot's title (also its accessible name).
        categories: The bars, left to right.
        series: What each bar is made of, bottom first.
        y_label: What the height counts.

    The last plots drawn are kept (:data:`KEPT`): a page shown again with the
    same figures is not drawn again.
    """
    return _drawn(name, title, tuple(categories), tuple(series), y_label)


def warm() -> None:
    """Import what drawing takes (about a second the first time), so that the
    first page with a plot does not wait for it; the console starts this in a
    background thread. Without matplotlib installed it does nothing: the
    first plot then says what is missing."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
        from matplotlib.ticker import MaxNLocator  # noqa: F401
    except ImportError:
        return


@lru_cache(maxsize=KEPT)
def _drawn(
    name: str,
    title: str,
    categories: tuple[str, ...],
    series: tuple[Series, ...],
    y_label: str,
) -> Markup:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(7.5, 2.8), dpi=96)
    figure.subplots_adjust(left=0.08, right=0.74, top=0.88, bottom=0.14)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bottoms = [0.0] * len(categories)
    positions = list(range(len(categories)))
    for one in series:
        values = list(one.values) + [0.0] * (len(categories) - len(one.values))
        axes.bar(
            positions,
            values,
            bottom=bottoms,
            label=one.label,
            color=STATUS_COLOURS.get(one.label, OTHER_COLOUR),
            width=0.6,
        )
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(positions, [_plain(c) for c in categories])
    axes.set_xlim(-0.6, max(len(categories), MIN_SLOTS) - 0.4)
    axes.set_title(_plain(title), fontsize=10, loc="left")
    axes.set_ylabel(y_label, fontsize=9)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    if series:
        axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return Markup(inline_svg(out.getvalue(), name, title))


def inline_svg(svg: str, name: str, title: str) -> str:
    """matplotlib's SVG document made fit to put in a page under the console's
    Content-Security-Policy (see the module's docstring)."""
    start = svg.index("<svg")
    svg = svg[start:]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = _STYLE.sub(lambda m: _attributes(m.group(1)), svg)
    svg = _ID.sub(lambda m: f'id="{name}-{m.group(1)}"', svg)
    svg = _REFERENCE.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", svg)
    label = _escape(title)
    return svg.replace(
        "<svg ",
        f'<svg role="img" aria-label="{label}" class="chart" '
        'stroke-linejoin="round" stroke-linecap="butt" ',
        1,
    )


def _attributes(style: str) -> str:
    """``fill: #fff; stroke-width: 0.8`` as `` fill="#fff" stroke-width="0.8"``."""
    found: dict[str, str] = {}
    for declaration in style.split(";"):
        prop, _, value = declaration.partition(":")
        prop, value = prop.strip(), value.strip()
        if _PROPERTY.match(prop) and _VALUE.match(value):
            found[prop] = value
    return "".join(f' {prop}="{value}"' for prop, value in found.items())


def _plain(text: str) -> str:
    """``text`` drawn as it is (a ``$`` never starts matplotlib's math)."""
    return text.replace("$", r"\$")


def _escape(text: str) -> str:
    return str(Markup.escape(text))


def counts_by(
    counts: Sequence[Mapping[str, int]], labels: Sequence[str]
) -> list[Series]:
    """One series per label that has any count, its values bar by bar."""
    return [
        Series(label, tuple(float(c.get(label, 0)) for c in counts))
        for label in labels
        if any(c.get(label, 0) for c in counts)
    ]
