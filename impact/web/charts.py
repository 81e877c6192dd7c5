"""Charts as inline SVG, drawn in Python: no script, no external file, nothing for the Content-Security-Policy to
allow. Every label that came from the chain is escaped here, since the SVG is inserted into the page as markup.

A chart is a stacked bar of where money went (`Bar`): each segment carries the JSON path of the figure it draws
(`data-figure`) and its exact amount (`data-amount`), so that a test can hold every rectangle to the trace's JSON,
and its width is proportional to that amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# Colours that stay apart for the common colour-vision deficiencies (Okabe and Ito's palette).
COLOURS = {
    "site": "#009E73",  # reached the site
    "final": "#56B4E9",  # final, awaiting release
    "escrow": "#E69F00",  # waiting in escrow
    "refunded": "#CC79A7",  # came back to holders
    "exited": "#D55E00",
    "claimed": "#0072B2",
}
# Successive milestones' tranches in shades of the site's green, so that each is told apart.
SITE_SHADES = ("#009E73", "#1b7f5f", "#35b08a", "#0d5e45", "#5cc4a2")


@dataclass(frozen=True)
class Segment:
    label: str
    amount: int
    text: str  # the amount as the trace writes it ("0.04 ETH")
    path: str  # where the amount is in the trace's JSON, e.g. "pools.0.in_escrow.amount"
    colour: str


@dataclass(frozen=True)
class Bar:
    title: str
    segments: tuple[Segment, ...]
    total: int  # the bar's full width: what was paid or raised (segments may fall short of it, never exceed it)

    @property
    def drawn(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.amount > 0)


WIDTH, HEIGHT = 640, 30


def bar_svg(bar: Bar) -> Markup:
    """A horizontal stacked bar with a title (for screen readers) and one tooltip per segment."""
    scale = max(bar.total, sum(s.amount for s in bar.drawn), 1)
    x = 0.0
    parts = [
        f'<svg class="bar" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(bar.title)}" data-scale="{scale}">',
        f"<title>{escape(bar.title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#eeeeee"/>',
    ]
    for s in bar.drawn:
        width = WIDTH * s.amount / scale
        parts.append(
            f'<rect class="segment" x="{x:.3f}" y="0" width="{width:.3f}" height="{HEIGHT}" fill="{s.colour}" '
            f'data-figure="{escape(s.path)}" data-amount="{s.amount}"><title>{escape(s.label)}: '
            f"{escape(s.text)}</title></rect>"
        )
        x += width
    parts.append("</svg>")
    return Markup("".join(parts))


def swatch(colour: str) -> Markup:
    """A legend's colour square, as SVG (a style attribute would need the policy to allow inline styles)."""
    return Markup(
        f'<svg class="swatch" width="12" height="12" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="12" height="12" rx="2" fill="{escape(colour)}"/></svg>'
    )
