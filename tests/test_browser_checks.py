"""The browser-test helpers of tests/browser_checks.py catch what they should, and only that."""
from __future__ import annotations

import re

import dash
import pytest
from dash import dcc, html

from tests.browser_checks import axe_violations, count_pdf_pages, parsed_page_count, pdf_pages

pytestmark = pytest.mark.browser

INDEX = """<!DOCTYPE html>
<html lang="fr">
<head>
{%metas%}
<title>Vérifications du navigateur</title>
{%favicon%}
{%css%}
</head>
<body>
{%app_entry%}
<footer>{%config%}{%scripts%}{%renderer%}</footer>
</body>
</html>"""

PIXEL = ("data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'>"
         "<rect width='10' height='10' fill='navy'/></svg>")


def small_app(*children) -> dash.Dash:
    # include_assets_files=False: tests/assets (axe-core) must not be served into the page by
    # Dash; the helper injects it itself.
    app = dash.Dash(__name__, include_assets_files=False, update_title=None)
    app.index_string = INDEX
    app.layout = html.Main([html.H1("Vérifications"), *children])
    return app


def form(accessible: bool):
    return [
        html.Img(id="logo", src=PIXEL, **({"alt": "Logo"} if accessible else {})),
        *([html.Label("Commune", htmlFor="commune")] if accessible else []),
        dcc.Input(id="commune", type="text"),
    ]


def test_axe_reports_serious_and_critical_violations(dash_duo, foreign_requests):
    dash_duo.start_server(small_app(*form(accessible=False)))
    dash_duo.wait_for_element("#commune")
    violations = axe_violations(dash_duo)
    assert sorted(violations, key=lambda v: v["id"]) == [
        {"id": "image-alt", "impact": "critical", "help": "Images must have alternative text",
         "nodes": 1, "targets": ["#logo"]},
        {"id": "label", "impact": "critical", "help": "Form elements must have labels",
         "nodes": 1, "targets": ["#commune"]},
    ]
    # A second run reuses the axe already in the page; excluded parts are not checked.
    assert [v["id"] for v in axe_violations(dash_duo, exclude=["#logo"])] == ["label"]
    assert axe_violations(dash_duo, exclude=["#logo", "#commune"]) == []
    # Only the impacts asked for.
    assert axe_violations(dash_duo, impacts=("minor",)) == []
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_axe_passes_an_accessible_page(dash_duo, foreign_requests):
    dash_duo.start_server(small_app(*form(accessible=True)))
    dash_duo.wait_for_element("#commune")
    assert axe_violations(dash_duo) == []
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*[\d.]+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def test_pdf_of_a_long_page_has_several_landscape_a4_pages(dash_duo):
    paragraphs = [html.P(f"Paragraphe {i} : la commune compte des habitants.", id=f"p{i}")
                  for i in range(200)]
    dash_duo.start_server(small_app(*paragraphs))
    dash_duo.wait_for_element("#p199")
    pages, pdf = pdf_pages(dash_duo)
    assert pdf.startswith(b"%PDF")
    assert pages > 3
    boxes = media_boxes(pdf)
    assert len(boxes) == pages
    for width, height in boxes:  # A4 landscape: 842 x 595 pt
        assert abs(width - 841.9) < 2 and abs(height - 595.3) < 2
    portrait_pages, portrait = pdf_pages(dash_duo, landscape=False)
    assert portrait_pages > 3
    for width, height in media_boxes(portrait):
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2
    assert dash_duo.get_logs() == []


def test_pdf_of_a_short_page_has_one_page(dash_duo):
    dash_duo.start_server(small_app(html.P("Une seule ligne.", id="ligne")))
    dash_duo.wait_for_element("#ligne")
    pages, pdf = pdf_pages(dash_duo)
    assert pages == 1
    assert count_pdf_pages(pdf) == 1
    assert dash_duo.get_logs() == []


def test_parsed_page_count():
    """The fallback parser: page objects, not the /Pages tree node; else the tree's /Count."""
    plain = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
             b"2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n"
             b"3 0 obj << /Type /Page /Parent 2 0 R >> endobj\n"
             b"4 0 obj <</Type/Page/Parent 2 0 R>> endobj\n%%EOF")
    assert parsed_page_count(plain) == 2
    compressed = b"%PDF-1.5\n2 0 obj << /Type /Pages /Count 7 /Kids [] >> endobj\n%%EOF"
    assert parsed_page_count(compressed) == 7
    with pytest.raises(ValueError):
        parsed_page_count(b"%PDF-1.4\n%%EOF")
