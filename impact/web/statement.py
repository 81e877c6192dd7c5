"""`impact statement`: an investor's page as one self-contained file (inline CSS and SVG, no script, nothing
loaded from anywhere), stating the block it was taken at and how to re-check it; and, through a headless Chromium
if one is installed, the same as a PDF.

The file carries its own Content-Security-Policy (`default-src 'none'`, the style sheet by its hash), so that even
a statement tampered with by someone else cannot make a browser fetch or run anything, and its internal links are
plain text: it must stand alone, offline or pinned to IPFS.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from impact.chain.errors import UserError
from impact.web.pages import TraceView
from impact.web.render import EXPLORERS, Links, render

CHROMIUM_VAR = "IMPACT_CHROMIUM"
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


@dataclass(frozen=True)
class StatementInfo:
    registry: str  # the deployment's registry: which programme the statement is about


def statement_html(
    view: TraceView, registry: str, explorer: str | None = None, names: dict[str, str] | None = None
) -> str:
    links = Links(live=False, explorer=explorer or EXPLORERS.get(view.freshness.chain_id), names=names or {})
    return render("investor.html", links, view=view, freshness=view.freshness, statement=StatementInfo(registry))


def certificate_html(
    view: TraceView, registry: str, claims: str, explorer: str | None = None, names: dict[str, str] | None = None
) -> str:
    """A claim's certificate as one self-contained file (the claim page, standing alone)."""
    links = Links(live=False, explorer=explorer or EXPLORERS.get(view.freshness.chain_id), names=names or {})
    return render(
        "claim.html", links, view=view, freshness=view.freshness, claims=claims, statement=StatementInfo(registry)
    )


def write_statement(html: str, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)  # never a half-written statement under the final name
    return out


def chromium() -> str:
    """The Chromium that prints PDFs: $IMPACT_CHROMIUM, else Debian's (apt-get install chromium)."""
    given = os.environ.get(CHROMIUM_VAR)
    if given:
        return given
    for path in CHROMIUM_PATHS:
        if Path(path).exists():
            return path
    found = shutil.which("chromium")
    if found:
        return found
    raise UserError(
        "printing a PDF needs Chromium: install it (as root on Debian: apt-get install -y chromium) or point "
        f"${CHROMIUM_VAR} at one",
        "no-chromium",
    )


def print_pdf(html_file: Path, pdf: Path) -> Path:
    """Chromium's own print to PDF of the statement file, A4 with its backgrounds (the chart's colours)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise UserError(
            "printing a PDF needs Playwright for Python (pip install playwright)", "no-playwright"
        ) from None
    executable = chromium()
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium refuses to run as root inside its sandbox
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=args)
            try:
                page = browser.new_page()
                page.goto(html_file.resolve().as_uri())
                pdf.parent.mkdir(parents=True, exist_ok=True)
                page.pdf(path=str(pdf), format="A4", print_background=True, margin={"top": "12mm", "bottom": "12mm"})
            finally:
                browser.close()
    except Error as exc:
        raise UserError(f"Chromium ({executable}) could not print the PDF: {str(exc).splitlines()[0]}", "pdf") from None
    return pdf
