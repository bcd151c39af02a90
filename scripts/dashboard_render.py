"""Draw a Grafana dashboard of monitoring/ as a PNG from a live Prometheus, without Grafana.

Each panel's queries go to Prometheus's query_range API, exactly as Grafana would send them,
and the series are drawn in the panel's place on the dashboard grid. It is a plain renderer
(lines, last values, legends), not Grafana's look: for a README picture or a quick look where
Grafana is not installed.

    python -m scripts.dashboard_render --prometheus http://127.0.0.1:9090 \
        --dashboard bookstore-order-journey --minutes 10 --out dashboard.png
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from scripts.dashboards import OUT as DASHBOARDS

COLUMN, ROW_UNIT, MARGIN = 66, 34, 10
BACKGROUND, PANEL, GRID, TEXT, MUTED = "#111217", "#181b1f", "#2c3036", "#d8d9da", "#8e9199"
COLOURS = ("#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#ffcb7d")


@dataclass
class Series:
    label: str
    points: list[tuple[float, float]]


def query_range(base: str, expr: str, start: float, end: float, step: float) -> list[dict]:
    query = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{base}/api/v1/query_range?{query}", timeout=30) as response:
        body = json.loads(response.read())
    if body.get("status") != "success":
        raise RuntimeError(f"{expr}: {body}")
    return list(body["data"]["result"])


def legend(template: str, labels: dict[str, str]) -> str:
    text = template
    for key, value in labels.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def panel_series(base: str, panel: dict[str, Any], start: float, end: float) -> list[Series]:
    step = max(1.0, (end - start) / 240)
    found = []
    for target in panel["targets"]:
        for result in query_range(base, target["expr"], start, end, step):
            points = [(float(t), float(v)) for t, v in result["values"] if math.isfinite(float(v))]
            if points:
                found.append(Series(legend(target["legendFormat"], result["metric"]), points))
    return found


def fmt(value: float, unit: str) -> str:
    if unit == "percentunit":
        return f"{value * 100:.1f}%"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"
    if unit in ("reqps", "ops"):
        return f"{value:.2f}/s"
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.2f}"


def draw_panel(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    panel: dict[str, Any],
    series: list[Series],
    window: tuple[float, float],
    font: ImageFont.ImageFont,
) -> None:
    x0, y0, x1, y1 = box
    unit = panel["fieldConfig"]["defaults"].get("unit", "short")
    draw.rectangle(box, fill=PANEL, outline=GRID)
    draw.text((x0 + 10, y0 + 8), panel["title"], fill=TEXT, font=font)
    legend_rows = min(3, math.ceil(len(series) / 2)) if series else 0
    plot = (x0 + 58, y0 + 32, x1 - 12, y1 - 18 - 16 * legend_rows)
    if not series:
        draw.text((x0 + 10, y0 + 40), "no data", fill=MUTED, font=font)
        return
    top = max(v for s in series for _, v in s.points)
    top = top * 1.1 if top > 0 else 1.0
    for fraction in (0.0, 0.5, 1.0):
        y = plot[3] - fraction * (plot[3] - plot[1])
        draw.line((plot[0], y, plot[2], y), fill=GRID)
        draw.text((x0 + 6, y - 6), fmt(top * fraction, unit), fill=MUTED, font=font)
    start, end = window
    for index, s in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        xy = [
            (
                plot[0] + (t - start) / (end - start) * (plot[2] - plot[0]),
                plot[3] - v / top * (plot[3] - plot[1]),
            )
            for t, v in s.points
        ]
        if len(xy) > 1:
            draw.line(xy, fill=colour, width=2)
        else:
            draw.ellipse((xy[0][0] - 2, xy[0][1] - 2, xy[0][0] + 2, xy[0][1] + 2), fill=colour)
        if index < 6:
            lx = x0 + 12 + (index % 2) * ((x1 - x0) // 2)
            ly = plot[3] + 8 + (index // 2) * 16
            draw.rectangle((lx, ly + 4, lx + 10, ly + 8), fill=colour)
            last = fmt(s.points[-1][1], unit)
            draw.text((lx + 16, ly), f"{s.label[:34]}  {last}", fill=TEXT, font=font)


def render(base: str, board: dict[str, Any], minutes: float, out: Path) -> int:
    """Draw `board` over the last `minutes`; returns how many panels had data."""
    end = time.time()
    start = end - minutes * 60
    panels = board["panels"]
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    width, height = 24 * COLUMN + 2 * MARGIN, rows * ROW_UNIT + 2 * MARGIN + 40
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(end))
    draw.text(
        (MARGIN, MARGIN + 4), f"{board['title']}   (last {minutes:g} min, {stamp})", fill=TEXT
    )
    with_data = 0
    for panel in panels:
        grid = panel["gridPos"]
        box = (
            MARGIN + grid["x"] * COLUMN + 3,
            MARGIN + 40 + grid["y"] * ROW_UNIT + 3,
            MARGIN + (grid["x"] + grid["w"]) * COLUMN - 3,
            MARGIN + 40 + (grid["y"] + grid["h"]) * ROW_UNIT - 3,
        )
        series = panel_series(base, panel, start, end)
        with_data += bool(series)
        draw_panel(draw, box, panel, series, (start, end), font)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    return with_data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.dashboard_render")
    parser.add_argument("--prometheus", default="http://127.0.0.1:9090")
    parser.add_argument("--dashboard", default="bookstore-order-journey")
    parser.add_argument("--minutes", type=float, default=15)
    parser.add_argument("--out", type=Path, default=Path("dashboard.png"))
    args = parser.parse_args(argv)
    board = json.loads((DASHBOARDS / f"{args.dashboard}.json").read_text())
    drawn = render(args.prometheus.rstrip("/"), board, args.minutes, args.out)
    print(f"{args.out}: {drawn} of {len(board['panels'])} panels had data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
