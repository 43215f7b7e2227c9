"""Checks shared by every chart panel (dashboard/components/panel.py): what its table shows on
screen, what its CSV and Excel downloads hold, and that the two are the same figures."""
from __future__ import annotations

import base64
import io
import json

import pandas as pd


def callback_output(client, outputs: list[tuple[str, str]]) -> str:
    """The `output` key of the app's callback with these outputs (Dash suffixes an output that
    allows duplicates with "@<hash>")."""
    wanted = [f"{i}.{p}" for i, p in outputs]
    for spec in client.get("/_dash-dependencies").get_json():
        parts = spec["output"].strip(".").split("...") if spec["output"].startswith("..") else [spec["output"]]
        if [part.split("@")[0] for part in parts] == wanted:
            return spec["output"]
    raise AssertionError(f"no callback with outputs {wanted}")


def update(client, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
           state: list[tuple[str, str, object]] = (), changed: str | None = None) -> dict:
    """POST one callback to /_dash-update-component as the browser would; the response's
    `response` dict, keyed by component id."""
    key = callback_output(client, outputs)
    specs = [{"id": i, "property": p} for i, p in outputs]
    body = {"output": key, "outputs": specs if len(outputs) > 1 else specs[0],
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [changed or f"{inputs[0][0]}.{inputs[0][1]}"]}
    answer = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_json()["response"]


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, list):
        return "".join(_text(c) for c in component)
    return _text(component.get("props", {}).get("children"))


def _find(component, kind: str) -> list[dict]:
    found = []
    if isinstance(component, dict):
        if component.get("type") == kind:
            found.append(component)
        for value in component.get("props", {}).values():
            found += _find(value, kind)
    elif isinstance(component, list):
        for item in component:
            found += _find(item, kind)
    return found


def _cells(row: dict) -> list[dict]:
    children = row.get("props", {}).get("children")
    children = children if isinstance(children, list) else [children]
    return [c for c in children if isinstance(c, dict) and c.get("type") in ("Th", "Td")]


def table_rows(table_component) -> tuple[list[str], list[list[str]]]:
    """The header and the body rows of a table's JSON, as the texts the screen shows (a row
    header `<th scope="row">` is a cell; a group heading row spanning the table is skipped)."""
    header = [_text(th) for thead in _find(table_component, "Thead") for th in _find(thead, "Th")]
    rows = [[_text(cell) for cell in _cells(tr)] for tbody in _find(table_component, "Tbody")
            for tr in _find(tbody, "Tr")]
    return header, [r for r in rows if len(r) == len(header)]


def download(client, prefix: str, fmt: str, state: list[tuple[str, str, object]]) -> tuple[str, bytes]:
    """Click a panel's CSV or Excel button (through its callback): file name and bytes."""
    button = f"{prefix}-{fmt}"
    inputs = [(f"{prefix}-csv", "n_clicks", 1 if fmt == "csv" else 0),
              (f"{prefix}-xlsx", "n_clicks", 1 if fmt == "xlsx" else 0)]
    answer = update(client, [(f"{prefix}-download", "data")], inputs, state, changed=f"{button}.n_clicks")
    data = answer[f"{prefix}-download"]["data"]
    return data["filename"], base64.b64decode(data["content"])


def read_download(fmt: str, content: bytes) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The figures and (Excel) the Sources sheet of a download, every cell as text."""
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(content), sep=";", dtype=str, keep_default_na=False,
                           encoding="utf-8-sig"), None
    sheets = pd.read_excel(io.BytesIO(content), sheet_name=None, dtype=object)
    return sheets["Données"], sheets.get("Sources")


def french_number(text: str) -> float | None:
    """"12 345,6 foyers" -> 12345.6; text that is not a number -> None."""
    head = text.replace("\u202f", "").replace("\xa0", " ").strip().split(" ")[0].replace(",", ".")
    try:
        return float(head)
    except ValueError:
        return None


def same_cell(screen: str, downloaded) -> bool:
    """A downloaded cell is the one on screen: "s" for "s", the same text, or the same number
    (the screen rounds it to the indicator's decimals)."""
    if downloaded is None or (isinstance(downloaded, float) and downloaded != downloaded) or downloaded == "":
        return screen in ("–", "", "non disponible")
    if isinstance(downloaded, str):
        number = french_number(downloaded.replace(",", ".")) if downloaded not in ("s",) else None
        if number is None:
            return screen == downloaded
        downloaded = number
    if isinstance(downloaded, (int, float)):
        shown = french_number(screen)
        if shown is None:
            return False
        decimals = len(screen.replace("\u202f", "").split("\xa0")[0].split(",")[1]) if "," in screen.split("\xa0")[0] else 0
        return abs(round(float(downloaded), decimals) - shown) < 10 ** -decimals / 2 + 1e-9
    return str(downloaded) == screen


def assert_downloads_match_screen(client, prefix: str, table_component, state, headings: tuple[str, ...] = ()) -> int:
    """Both downloads of a panel hold exactly the rows and columns of its table on screen,
    secret cells included; the Excel file has a non-empty Sources sheet. `headings`: columns of
    the file that the screen shows as group heading rows or inside the cells (units). Returns the
    number of "s" cells seen (callers assert on secrecy where their data has some)."""
    header, rows = table_rows(table_component)
    assert rows, "the panel's table is empty"
    for fmt in ("csv", "xlsx"):
        name, content = download(client, prefix, fmt, state)
        assert name.endswith(f".{fmt}")
        frame, sources = read_download(fmt, content)
        frame = frame.drop(columns=list(headings))
        assert list(frame.columns) == header, (fmt, list(frame.columns), header)
        assert len(frame) == len(rows), (fmt, len(frame), len(rows))
        for line, (screen_row, file_row) in enumerate(zip(rows, frame.itertuples(index=False)), start=1):
            for column, screen, cell in zip(header, screen_row, file_row):
                assert same_cell(screen, cell), (fmt, line, column, screen, cell)
        if fmt == "xlsx":
            assert sources is not None and len(sources) > 0
    return sum(cell == "s" for row in rows for cell in row)


def page_layout(client, path: str, search: str = ""):
    """A page's layout as Dash pages render it for this URL (the first callback of a visit)."""
    answer = update(client, [("_pages_content", "children"), ("_pages_store", "data")],
                    [("_pages_location", "pathname", path), ("_pages_location", "search", search)])
    return answer["_pages_content"]["children"]


def find(component, component_id):
    """The components of a layout's JSON with this id."""
    if isinstance(component, dict):
        if component.get("props", {}).get("id") == component_id:
            yield component
        for value in component.get("props", {}).values():
            yield from find(value, component_id)
    elif isinstance(component, list):
        for item in component:
            yield from find(item, component_id)


def value_of(layout, component_id):
    return next(find(layout, component_id))["props"]["value"]


def texts(component) -> str:
    """Every text of a component's JSON, space-separated (to search a layout for words)."""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, list):
        return " ".join(texts(c) for c in component)
    if isinstance(component, dict):
        return " ".join(texts(v) for v in component.get("props", {}).values())
    return ""
