"""Checks to run on the page a `dash_duo` test has open: accessibility (axe-core) and printing.

- `axe_violations(dash_duo)` injects the vendored axe-core (tests/assets/axe-core, no CDN) into
  the current page, runs it and returns the serious and critical violations in a short,
  readable form: `assert axe_violations(dash_duo) == []`.
- `pdf_pages(dash_duo)` prints the current page to PDF through the Chrome DevTools protocol and
  returns (number of pages, PDF bytes).
"""
from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path

AXE_JS = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"

# Paper sizes in inches, portrait (width, height).
PAPER_SIZES = {
    "A4": (8.27, 11.69),
    "A3": (11.69, 16.54),
    "LETTER": (8.5, 11.0),
    "LEGAL": (8.5, 14.0),
}

_RUN_AXE = """
const [exclude, impacts, maxTargets, done] = arguments;
const context = exclude.length ? {include: [document], exclude: exclude.map(s => [s])} : document;
axe.run(context, {resultTypes: ['violations']}).then(results => {
  done({violations: results.violations
    .filter(v => impacts.includes(v.impact))
    .map(v => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, maxTargets).map(n => n.target.map(String).join(' >> ')),
    }))});
}, error => done({error: String(error && error.stack || error)}));
"""


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(dash_duo, impacts=("serious", "critical"), exclude=(), max_targets=3,
                   timeout=60) -> list[dict]:
    """The axe-core violations of the page open in `dash_duo` whose impact is in `impacts`.

    Each violation is {"id", "impact", "help", "nodes" (how many elements fail),
    "targets" (CSS selectors of the first `max_targets` of them)}. `exclude`: CSS selectors of
    parts of the page not to check (nothing is excluded by default)."""
    driver = dash_duo.driver
    if not driver.execute_script("return typeof window.axe === 'object' && !!window.axe.run;"):
        driver.execute_script(_axe_source())
    previous = driver.timeouts.script
    driver.set_script_timeout(timeout)
    try:
        result = driver.execute_async_script(_RUN_AXE, list(exclude), list(impacts), max_targets)
    finally:
        driver.set_script_timeout(previous)
    if not isinstance(result, dict) or "error" in result:
        raise RuntimeError(f"axe-core failed: {result}")
    return result["violations"]


def count_pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF: pypdf's count if it is installed, else the page objects."""
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        pass
    else:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    return parsed_page_count(pdf)


def parsed_page_count(pdf: bytes) -> int:
    """The number of pages of a PDF without a PDF library: its /Type /Page objects."""
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    if pages:
        return pages
    # Page objects hidden in compressed object streams: the page tree's root /Count is the total.
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    if counts:
        return max(counts)
    raise ValueError("no page found in the PDF")


def pdf_pages(dash_duo, landscape=True, paper="A4", **print_options) -> tuple[int, bytes]:
    """Print the page open in `dash_duo` to PDF (Chrome's Page.printToPDF): (pages, PDF bytes).

    `paper`: a name of PAPER_SIZES or (width, height) in inches. A CSS @page size on
    the page wins (preferCSSPageSize). Other Page.printToPDF parameters can be passed by name."""
    width, height = PAPER_SIZES[paper.upper()] if isinstance(paper, str) else paper
    # Chrome turns the paper itself for `landscape`: it must be given the portrait dimensions
    # (landscape with 11.69 x 8.27 prints A4 *portrait*, turned twice).
    width, height = min(width, height), max(width, height)
    options = {
        "landscape": landscape,
        "paperWidth": width,
        "paperHeight": height,
        "printBackground": True,
        "preferCSSPageSize": True,
        **print_options,
    }
    result = dash_duo.driver.execute_cdp_cmd("Page.printToPDF", options)
    pdf = base64.b64decode(result["data"])
    if not pdf.startswith(b"%PDF"):
        raise ValueError("Page.printToPDF did not return a PDF")
    return count_pdf_pages(pdf), pdf
