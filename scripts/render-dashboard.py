#!/usr/bin/env python3
"""Draws docs/images/dashboard.png: the panels of the chart's Grafana dashboard, with their titles
and layout, from /metrics scrapes recorded by DashboardMetricsIT (-Ddashboard.record=FILE).

Not Grafana and not a PromQL engine: each panel's figures are computed here the way its query
does (sum by the same labels; rate = increase per second over RATE_WINDOW scrapes; increase over
the run for the "(1h)" panels, which is shorter than an hour; histogram_quantile by linear
interpolation inside the bucket). Needs matplotlib.

    python3 scripts/render-dashboard.py [docs/images/dashboard-metrics.txt] [docs/images/dashboard.png]
"""
import json
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "helm/steadfast/dashboards/steadfast.json"
RATE_WINDOW = 6  # scrapes (3 s at the recorded 500 ms)
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def load(path):
    """[(seconds since the first scrape, {(name, frozenset(labels)): value})]"""
    scrapes, t0 = [], None
    for line in Path(path).read_text().splitlines():
        if line.startswith("# scrape "):
            at = int(line.split()[2]) / 1000
            t0 = at if t0 is None else t0
            scrapes.append((at - t0, {}))
        elif scrapes and (m := SAMPLE.match(line)):
            labels = frozenset(LABEL.findall(m.group(2) or ""))
            scrapes[-1][1][(m.group(1), labels)] = float(m.group(3))
    return scrapes


def series(scrapes, name, by, where=lambda l: True):
    """sum by (by) (name{where}) per scrape: {group: [value or None per scrape]}"""
    out = defaultdict(lambda: [None] * len(scrapes))
    for i, (_, samples) in enumerate(scrapes):
        for (n, labels), v in samples.items():
            d = dict(labels)
            if n == name and where(d):
                g = tuple(d.get(b, "") for b in by)
                out[g][i] = (out[g][i] or 0) + v
    return dict(out)


def rate(scrapes, values):
    times = [t for t, _ in scrapes]
    out = []
    for i, v in enumerate(values):
        j = max(0, i - RATE_WINDOW)
        # A counter that did not exist yet counts from 0 (it is created at its first increment).
        before = values[j] or 0
        out.append(None if v is None or i == j else max(0.0, v - before) / (times[i] - times[j]))
    return out


def quantile(q, buckets):
    """histogram_quantile over [(le, cumulative count)]."""
    buckets = sorted(buckets)
    total = buckets[-1][1] if buckets else 0
    if total <= 0:
        return None
    rank, prev_le, prev_c = q * total, 0.0, 0.0
    for le, c in buckets:
        if c >= rank:
            if math.isinf(le):
                return prev_le
            return prev_le + (le - prev_le) * ((rank - prev_c) / (c - prev_c) if c > prev_c else 0)
        prev_le, prev_c = le, c
    return prev_le


def latency(scrapes, q):
    raw = series(scrapes, "steadfast_step_duration_seconds_bucket", ["kind", "le"])
    by_kind = defaultdict(dict)
    for (kind, le), values in raw.items():
        by_kind[kind][float(le.replace("+Inf", "inf"))] = rate(scrapes, values)
    out = {}
    for kind, les in by_kind.items():
        out[(f"p{int(q * 100)} {kind}",)] = [
            quantile(q, [(le, les[le][i]) for le in les if les[le][i] is not None])
            for i in range(len(scrapes))
        ]
    return out


def label(group):
    return " ".join(g for g in group if g) or "value"


def panels(scrapes):
    """panel id → (kind, data): kind "lines" ({legend: values}), "stacked" or "stat" (text)."""
    def rated(d, fmt=label):
        return {fmt(g): rate(scrapes, v) for g, v in d.items()}

    def increase(d):
        # Counters start at 0 with the operator, and the run is shorter than the panel's hour.
        return sum(v[-1] or 0 for v in d.values())

    failed = series(scrapes, "steadfast_attempts_total", ["tier", "reason"], lambda l: l["tier"] != "Succeeded")
    return {
        1: ("stacked", {label(g): v for g, v in series(scrapes, "steadfast_tasks", ["phase"]).items()}),
        2: ("stat", f"{min(v[-1] for v in series(scrapes, 'steadfast_ready', []).values()):.0f}"),
        3: ("stat", f"{increase(series(scrapes, 'steadfast_budget_exhausted_total', [])):.0f}"),
        4: ("stat", f"{increase(series(scrapes, 'steadfast_loop_detections_total', [])):.0f}"),
        5: ("lines", rated(series(scrapes, "steadfast_attempts_total", ["tier"]))),
        6: ("lines", rated(failed)),
        7: ("lines", {label(g): v for g, v in series(scrapes, "steadfast_breakers", ["state"]).items()}),
        8: ("lines", {label(g): v for g, v in {**latency(scrapes, 0.5), **latency(scrapes, 0.99)}.items()}),
        9: ("lines", {**{"in use " + label(g): v for g, v in series(scrapes, "steadfast_slots_in_use", ["namespace"]).items()},
                      **{"waiting " + label(g): v for g, v in series(scrapes, "steadfast_slots_waiting", ["namespace"]).items()}}),
        10: ("lines", rated(series(scrapes, "steadfast_tokens_total", ["namespace", "model", "kind"]))),
        11: ("lines", {label(g): v for g, v in series(scrapes, "steadfast_cost_total", ["namespace", "model"]).items()}),
        12: ("lines", rated(series(scrapes, "steadfast_endpoint_rate_limited_total", ["endpoint"]))),
        13: ("lines", {**{"limit " + label(g): v for g, v in series(scrapes, "steadfast_endpoint_concurrency", ["endpoint"]).items()},
                       **{"in flight " + label(g): v for g, v in series(scrapes, "steadfast_endpoint_in_flight", ["endpoint"]).items()},
                       **{"queued " + label(g): v for g, v in series(scrapes, "steadfast_endpoint_queued", ["endpoint"]).items()}}),
        14: ("lines", {label(g): v for g, v in series(scrapes, "steadfast_waiting_oldest_seconds", ["namespace"]).items()}),
    }


def draw(scrapes, out):
    dash = json.loads(DASHBOARD.read_text())
    data = panels(scrapes)
    times = [t for t, _ in scrapes]
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
    plt.style.use("dark_background")
    fig = plt.figure(figsize=(20, rows * 0.55))
    fig.suptitle(
        dash["title"] + " — drawn by scripts/render-dashboard.py from recorded /metrics scrapes"
        " (not a Grafana screenshot); x: seconds into the run", fontsize=13)
    grid = fig.add_gridspec(rows, 24, hspace=1.2, wspace=0.9, left=0.03, right=0.99, top=0.95, bottom=0.03)
    for p in dash["panels"]:
        g = p["gridPos"]
        ax = fig.add_subplot(grid[g["y"]:g["y"] + g["h"], g["x"]:g["x"] + g["w"]])
        ax.set_title(p["title"], fontsize=10, loc="left")
        kind, values = data[p["id"]]
        if kind == "stat":
            ax.text(0.5, 0.4, values, fontsize=30, ha="center", va="center", color="#73bf69")
            ax.set_axis_off()
            continue
        ax.tick_params(labelsize=7)
        ax.set_xlim(0, times[-1])
        ax.grid(alpha=0.2)
        if not values:
            ax.text(0.5, 0.5, "No data", ha="center", va="center", alpha=0.6)
            continue
        if kind == "stacked":
            names = sorted(values)
            ax.stackplot(times, *[[v or 0 for v in values[n]] for n in names], labels=names, alpha=0.7)
        else:
            for name in sorted(values):
                ys = [float("nan") if v is None else v for v in values[name]]
                ax.plot(times, ys, label=name, linewidth=1.3)
        ax.legend(fontsize=6, loc="upper left", framealpha=0.6, ncol=2)
    fig.savefig(out, dpi=90)


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs/images/dashboard-metrics.txt"
    dst = sys.argv[2] if len(sys.argv) > 2 else ROOT / "docs/images/dashboard.png"
    draw(load(src), dst)
    print(f"wrote {dst}")
