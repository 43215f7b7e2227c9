"""Pure figure builders of the trends page: an indicator's series per territory with the ALIs'
start marked, and its change over one year."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.breaks import cut_at_breaks
from dashboard.figures.theme import CATEGORICAL, REFERENCE_COLOUR, chart_layout
from dashboard.formatting import fr_percent, fr_value

GAP = "s (secret statistique)"


def colours(codes: list[str], department: str | None) -> dict[str, str]:
    """One colour per territory, kept from chart to chart: the département in the reference
    grey, the others in the palette's order."""
    palette = iter(CATEGORICAL)
    return {c: REFERENCE_COLOUR if c == department else next(palette, REFERENCE_COLOUR) for c in codes}


def series_lines(lines: list[dict], *, unit: str, decimals: int, marks: list[dict],
                 department: str | None) -> go.Figure:
    """One line per territory (`lines`: code, name, x, periods, y, secret); a secret or unknown
    point is a gap, never joined over. `marks` (code, day, label, name): a vertical line at each
    ALI's start, labelled with what it is."""
    palette = colours([line["code"] for line in lines], department)
    figure = go.Figure()
    for line in lines:
        texts = [GAP if s else fr_value(v, unit, decimals) if v is not None else "non disponible"
                 for v, s in zip(line["y"], line["secret"])]
        x, y, custom, marker = cut_at_breaks(line["x"], line["y"], list(zip(line["periods"], texts)),
                                             line.get("breaks"))
        figure.add_trace(go.Scatter(
            x=x, y=y, name=line["name"], mode="lines+markers", connectgaps=False,
            line={"color": palette[line["code"]], "width": 2, "dash": "dash" if line["code"] == department else None},
            marker=marker, customdata=custom,
            hovertemplate=f"{line['name']}<br>%{{customdata[0]}} : %{{customdata[1]}}<extra></extra>"))
    # The legend goes under the plot: above it are the marks' labels.
    figure.update_layout(**chart_layout(yaxis={"title": {"text": unit}, "rangemode": "tozero"},
                                        xaxis={"type": "date"}, hovermode="closest",
                                        legend={"y": -0.08, "yanchor": "top"},
                                        margin={"l": 8, "r": 8, "t": 56, "b": 8}))
    for index, (day, group) in enumerate(_by_day(marks)):
        colour = palette.get(group[0]["code"], REFERENCE_COLOUR) if len(group) == 1 else REFERENCE_COLOUR
        text = group[0]["label"] if len(group) == 1 else f"{group[0]['label']} ({len(group)} territoires ALI)"
        figure.add_shape(type="line", x0=day, x1=day, y0=0, y1=1, xref="x", yref="paper",
                         line={"color": colour, "dash": "dot", "width": 2})
        # Marks of different days take turns above the plot so their labels do not overlap.
        figure.add_annotation(x=day, y=1.0 + 0.07 * (index % 2), xref="x", yref="paper", text=text,
                              showarrow=False, xanchor="left", yanchor="bottom", font={"color": colour, "size": 11},
                              hovertext="<br>".join(m["name"] for m in group))
    return figure


def _by_day(marks: list[dict]) -> list[tuple[object, list[dict]]]:
    days: dict = {}
    for mark in marks:
        days.setdefault((mark["day"], mark["label"]), []).append(mark)
    return [(day, group) for (day, _label), group in sorted(days.items(), key=lambda item: item[0][0])]


def change_chart(lines: list[dict], *, unit: str, decimals: int, relative: bool, bars: bool,
                 department: str | None) -> go.Figure:
    """The change over one year per territory (`lines`: code, name, x, periods, y, relative,
    secret), in the indicator's unit (points for a percentage): bars for yearly figures, lines
    otherwise. A change not computed (a value secret or unknown) is a gap."""
    palette = colours([line["code"] for line in lines], department)
    figure = go.Figure()
    for line in lines:
        texts = []
        for value, share, secret, broken in zip(line["y"], line["relative"], line["secret"],
                                                line.get("broken", [False] * len(line["y"]))):
            if secret:
                texts.append(GAP)
            elif broken:
                texts.append("rupture de série : non calculée")
            elif value is None:
                texts.append("non calculée")
            else:
                sign = "+" if value > 0 else ""
                texts.append(f"{sign}{fr_value(value, unit, decimals)}"
                             + (f" ({'+' if share > 0 else ''}{fr_percent(share, 1)})" if relative and share is not None
                                else ""))
        common = {"x": line["x"], "y": line["y"], "name": line["name"], "customdata": list(zip(line["periods"], texts)),
                  "hovertemplate": f"{line['name']}<br>%{{customdata[0]}} : %{{customdata[1]}}<extra></extra>"}
        if bars:
            figure.add_trace(go.Bar(marker_color=palette[line["code"]], **common))
        else:
            figure.add_trace(go.Scatter(
                mode="lines+markers", connectgaps=False, marker={"size": 4},
                line={"color": palette[line["code"]], "width": 2,
                      "dash": "dash" if line["code"] == department else None}, **common))
    figure.update_layout(**chart_layout(yaxis={"title": {"text": f"Évolution sur un an ({unit})"}, "zeroline": True,
                                               "zerolinecolor": REFERENCE_COLOUR, "zerolinewidth": 1},
                                        xaxis={"type": "date"}, hovermode="closest", barmode="group"))
    return figure
