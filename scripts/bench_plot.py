#!/usr/bin/env python3
"""Plot latency against dataset size from scripts/bench.sh results, as a plain SVG.

    scripts/bench_plot.py OUT.svg RESULTS_DIR [ENGINE]

Reads RESULTS_DIR/<engine>-<requests>/<scenario>.json for every size found and draws p50 and
p99 of the queue view, search and request page on a log-scaled size axis.
"""
import json, math, os, re, sys

out, root = sys.argv[1], sys.argv[2]
engine = sys.argv[3] if len(sys.argv) > 3 else "sqlite"
scenarios = [("queue", "#1f77b4"), ("search", "#d62728"), ("request", "#2ca02c")]

sizes = {}
for d in os.listdir(root):
    m = re.fullmatch(engine + r"-(\d+)", d)
    if m:
        sizes[int(m.group(1))] = os.path.join(root, d)
if not sizes:
    sys.exit(f"no {engine}-N folders in {root}")
ns = sorted(sizes)
data = {}
for s, _ in scenarios:
    for n in ns:
        p = os.path.join(sizes[n], f"{s}.json")
        if os.path.exists(p):
            r = json.load(open(p))
            data.setdefault(s, []).append((n, r["latency_ms"]["p50"], r["latency_ms"]["p99"]))

W, H, L, R, T, B = 720, 420, 70, 170, 40, 60
ymax = max((p99 for v in data.values() for _, _, p99 in v), default=1.0)
ymax = 10 ** math.ceil(math.log10(max(ymax, 1.0)))
ymin = 0.1
xlo, xhi = math.log10(min(ns)) - 0.15, math.log10(max(ns)) + 0.15
if xhi - xlo < 0.5:
    xlo, xhi = xlo - 0.5, xhi + 0.5


def x(n):
    return L + (math.log10(n) - xlo) / (xhi - xlo) * (W - L - R)


def y(ms):
    ms = max(ms, ymin)
    return T + (1 - (math.log10(ms) - math.log10(ymin)) / (math.log10(ymax) - math.log10(ymin))) * (H - T - B)


svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{L}" y="22" font-size="14">Latency vs dataset size ({engine}; solid p99, dashed p50; log-log)</text>']
e = math.log10(ymin)
while e <= math.log10(ymax) + 1e-9:
    v = 10 ** e
    svg.append(f'<line x1="{L}" x2="{W-R}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
    svg.append(f'<text x="{L-8}" y="{y(v)+4:.1f}" text-anchor="end">{v:g} ms</text>')
    e += 1
for n in ns:
    svg.append(f'<line x1="{x(n):.1f}" x2="{x(n):.1f}" y1="{T}" y2="{H-B}" stroke="#eee"/>')
    label = f"{n//1000}k" if n < 1_000_000 else f"{n/1e6:g}M"
    svg.append(f'<text x="{x(n):.1f}" y="{H-B+18}" text-anchor="middle">{label}</text>')
svg.append(f'<text x="{(L+W-R)/2}" y="{H-15}" text-anchor="middle">requests in the database (about 3 messages each)</text>')
svg.append(f'<line x1="{L}" x2="{W-R}" y1="{H-B}" y2="{H-B}" stroke="black"/>')
svg.append(f'<line x1="{L}" x2="{L}" y1="{T}" y2="{H-B}" stroke="black"/>')
for i, (s, colour) in enumerate(scenarios):
    pts = data.get(s, [])
    for k, dash in ((2, ""), (1, ' stroke-dasharray="5,4"')):
        path = " ".join(f"{x(p[0]):.1f},{y(p[k]):.1f}" for p in pts)
        if path:
            svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for p in pts:
            svg.append(f'<circle cx="{x(p[0]):.1f}" cy="{y(p[k]):.1f}" r="3" fill="{colour}"/>')
    svg.append(f'<line x1="{W-R+15}" x2="{W-R+40}" y1="{T+20+i*20}" y2="{T+20+i*20}" stroke="{colour}" stroke-width="2"/>')
    svg.append(f'<text x="{W-R+46}" y="{T+24+i*20}">{s}</text>')
svg.append("</svg>")
open(out, "w").write("\n".join(svg) + "\n")
print(f"wrote {out}: {', '.join(f'{s}: {len(v)} sizes' for s, v in data.items())}")
