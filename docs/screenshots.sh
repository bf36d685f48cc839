#!/usr/bin/env bash
# Regenerates the report screenshots in docs/ from the UCI Online Retail
# export: the report as of 2011-06-01 (docs/report.png), the report as of
# 2011-12-10 with --previous pointing at it, at its migration section
# (docs/report-previous.png), and a report with --trend at its trend section
# (docs/report-trend.png). Needs Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${RFM_ONLINE_RETAIL:-../shared/data/online_retail.csv.gz}
work=target/screenshots
rm -rf "$work"
mkdir -p "$work"
cargo build -q
rfm=target/debug/rfm
"$rfm" report "$data" --as-of 2011-06-01 --out "$work/2011-06-01" -q
"$rfm" report "$data" --as-of 2011-12-10 --out "$work/2011-12-10" --previous "$work/2011-06-01" -q
"$rfm" report "$data" --out "$work/trend" --trend -q

# shot REPORT_DIR FRAGMENT HEIGHT PNG: the page in a 1100-pixel frame,
# scrolled to FRAGMENT (a frame, because headless screenshots ignore
# a fragment in the address).
shot() {
    local frame="$1/shot.html"
    printf '<!doctype html><body style="margin:0"><iframe src="report.html#%s" style="width:1100px;height:%spx;border:0;display:block"></iframe>' \
        "$2" "$3" >"$frame"
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --allow-file-access-from-files --virtual-time-budget=3000 \
        --user-data-dir="$(mktemp -d)" --window-size="1100,$3" \
        --screenshot="$4" "file://$PWD/$frame" 2>/dev/null
    rm "$frame"
}
shot "$work/2011-06-01" top 1900 docs/report.png
shot "$work/2011-12-10" migration 1250 docs/report-previous.png
shot "$work/trend" trend 820 docs/report-trend.png
ls -l docs/report.png docs/report-previous.png docs/report-trend.png
