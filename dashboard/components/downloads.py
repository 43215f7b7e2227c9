"""CSV and XLSX downloads of exactly what a chart or table shows, with its sources."""
from __future__ import annotations

import io

import pandas as pd
from dash import dcc, html
import dash_bootstrap_components as dbc

from dashboard.ingest.parse import is_formula_injection


def download_buttons(prefix: str) -> html.Div:
    """Two buttons, ids `<prefix>-csv` and `<prefix>-xlsx`, and the `<prefix>-download` target."""
    return html.Div([
        dbc.Button("Télécharger (CSV)", id=f"{prefix}-csv", color="dark", outline=True, size="sm",
                   class_name="me-2", n_clicks=0),
        dbc.Button("Télécharger (Excel)", id=f"{prefix}-xlsx", color="dark", outline=True, size="sm",
                   n_clicks=0),
        dcc.Download(id=f"{prefix}-download"),
    ])


def _inert(frame: pd.DataFrame) -> pd.DataFrame:
    """Text that a spreadsheet would run as a formula is prefixed with a quote."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):  # Excel has no time zones
            out[column] = out[column].dt.tz_localize(None)
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: f"'{v}" if isinstance(v, str) and is_formula_injection(v) else v)
    return out


def frame_bytes(frame: pd.DataFrame, fmt: str, sources: pd.DataFrame | None = None) -> bytes:
    """CSV (UTF-8 with BOM, `;`, decimal comma: what French spreadsheets open as is) or XLSX
    (the figures, and a sheet describing their sources)."""
    frame = _inert(frame)
    if fmt == "csv":
        return frame.to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig")
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="Données", index=False)
        if sources is not None:
            _inert(sources).to_excel(writer, sheet_name="Sources", index=False)
    return buffer.getvalue()


def send_frame(frame: pd.DataFrame, name: str, fmt: str, sources: pd.DataFrame | None = None) -> dict:
    return dcc.send_bytes(frame_bytes(frame, fmt, sources), f"{name}.{fmt}")
