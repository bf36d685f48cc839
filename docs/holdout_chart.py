#!/usr/bin/env python3
"""Draws docs/predict-holdout.svg from the table the CDNOW holdout test prints:

    cargo test --test predict cdnow_holdout -- --nocapture \
        | python3 docs/holdout_chart.py > docs/predict-holdout.svg

Grouped bars per calibration bucket: predicted and actual purchases per
customer in the 39-week holdout period. Standard library only.
"""
import sys

rows = []
for line in sys.stdin:
    parts = [p.strip() for p in line.split("|")]
    if len(parts) != 4 or parts[0] in ("repeat purchases", "total"):
        continue
    try:
        label, n, predicted, actual = parts[0], int(parts[1]), float(parts[2]), float(parts[3])
    except ValueError:
        continue
    rows.append((label, predicted / n, actual / n))
if not rows:
    sys.exit("no table rows on stdin")

width, height = 640, 340
left, right, top, bottom = 56, 620, 40, 290
top_value = max(max(p, a) for _, p, a in rows) * 1.1
step = (right - left) / len(rows)
bar = step * 0.36
y = lambda v: bottom - v / top_value * (bottom - top)
out = [
    f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
    f'<rect width="{width}" height="{height}" fill="#fff"/>',
    f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">CDNOW, BG/NBD: purchases per customer in the 39 weeks after calibration</text>',
]
tick = 1
while top_value / tick > 8:
    tick *= 2
value = 0
while value <= top_value:
    out.append(f'<line x1="{left}" x2="{right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#e3e6ea"/>')
    out.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#555">{value}</text>')
    value += tick
for i, (label, predicted, actual) in enumerate(rows):
    x = left + i * step + step * 0.14
    for j, (v, color) in enumerate(((predicted, "#5c7cba"), (actual, "#b0894f"))):
        out.append(
            f'<rect x="{x + j * bar:.1f}" y="{y(v):.1f}" width="{bar:.1f}" height="{bottom - y(v):.1f}" fill="{color}"/>'
        )
        out.append(f'<text x="{x + j * bar + bar / 2:.1f}" y="{y(v) - 3:.1f}" text-anchor="middle" font-size="9">{v:.2f}</text>')
    out.append(f'<text x="{left + i * step + step / 2:.1f}" y="{bottom + 16}" text-anchor="middle">{label}</text>')
out.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#555"/>')
out.append(f'<text x="{(left + right) / 2}" y="{bottom + 36}" text-anchor="middle" fill="#555">repeat purchases in the 39 weeks of calibration</text>')
out.append(f'<rect x="{right - 170}" y="{top}" width="10" height="10" fill="#5c7cba"/><text x="{right - 155}" y="{top + 9}">predicted (mean)</text>')
out.append(f'<rect x="{right - 170}" y="{top + 16}" width="10" height="10" fill="#b0894f"/><text x="{right - 155}" y="{top + 25}">actual (mean)</text>')
out.append("</svg>")
print("\n".join(out))
