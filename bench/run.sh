#!/usr/bin/env bash
# Benchmark `rfm customers` against DuckDB and Python polars doing the same
# job (docs/method.md) on exports of several shapes. See bench/README.md.
#
#   bench/run.sh                                   # every shape, 10M rows, 3 repetitions
#   RFM_BENCH_SHAPES="plain quoted" RFM_BENCH_ROWS=1000000 RFM_BENCH_REPS=5 bench/run.sh
#
# Shapes (each checked identical across tools before it is timed):
#   plain    the generated rows (order_id,customer_id,order_date,amount)
#   quoted   the same plus a description column, quoted on 20% of rows
#   parquet  the same rows as Parquet (typed columns, by DuckDB)
#   gzstdin  the plain CSV gzipped; rfm reads `zcat FILE | rfm customers -`,
#            the peers read the .gz file (their fastest way)
#   retail   Online Retail repeated 18 times, ids distinct per copy (about
#            9.75M lines: quoted descriptions, quantity x price, invoices as
#            orders, returns, missing customers); DuckDB runs the query that
#            `rfm sql --dialect duckdb` prints; no polars peer
#
# Generated data, the Python venv and outputs live under target/bench (never
# committed); data files are cached between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${RFM_BENCH_DIR:-$ROOT/target/bench}
ROWS=${RFM_BENCH_ROWS:-10000000}
REPS=${RFM_BENCH_REPS:-3}
SHAPES=${RFM_BENCH_SHAPES:-"plain quoted parquet gzstdin retail"}
RETAIL=${RFM_ONLINE_RETAIL:-$ROOT/../shared/data/online_retail.csv.gz}
COPIES=18
DUCKDB_VERSION=2.0.0
POLARS_VERSION=2.1.0
mkdir -p "$WORK"

if [ ! -x /usr/bin/time ]; then
  echo "== installing GNU time (peak RSS)"
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c "import duckdb, polars" 2>/dev/null; then
  echo "== creating $WORK/venv with duckdb $DUCKDB_VERSION and polars $POLARS_VERSION"
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q "duckdb==$DUCKDB_VERSION" "polars==$POLARS_VERSION"
fi
PY=$WORK/venv/bin/python

echo "== building rfm and the generator (release)"
cargo build -q --release --bin rfm --example gen_orders
RFM=$ROOT/target/release/rfm
GEN=$ROOT/target/release/examples/gen_orders

# The input file of a shape, made (once) if missing.
data_for() {
  local plain=$WORK/orders_$ROWS.csv
  if [ ! -s "$plain" ]; then
    echo "== generating $ROWS rows -> $plain" >&2
    "$GEN" "$ROWS" > "$plain.tmp" && mv "$plain.tmp" "$plain"
  fi
  local data
  case $1 in
    plain) data=$plain ;;
    quoted) data=$WORK/orders_${ROWS}_quoted.csv
      [ -s "$data" ] || "$PY" bench/shapes.py quoted "$plain" "$data" ;;
    parquet) data=$WORK/orders_$ROWS.parquet
      if [ ! -s "$data" ]; then
        # The same rows, typed as a warehouse would export them, by DuckDB.
        "$PY" - "$plain" "$data" <<'PY'
import sys, duckdb
src, out = sys.argv[1], sys.argv[2]
duckdb.sql(f"""COPY (SELECT * FROM read_csv('{src}', header = true, columns = {{
  'order_id': 'VARCHAR', 'customer_id': 'VARCHAR', 'order_date': 'DATE',
  'amount': 'DECIMAL(18,2)'}})) TO '{out}' (FORMAT parquet)""")
PY
      fi ;;
    gzstdin) data=$WORK/orders_$ROWS.csv.gz
      [ -s "$data" ] || gzip -c "$plain" > "$data" ;;
    retail) data=$WORK/retail_x$COPIES.csv
      [ -s "$data" ] || "$PY" bench/shapes.py retail "$COPIES" "$RETAIL" "$data"
      "$RFM" sql --dialect duckdb --table orders --customer CustomerID \
        --date InvoiceDate --quantity Quantity --price UnitPrice --order InvoiceNo \
        -o "$WORK/retail.sql" ;;
  esac
  echo "$data"
}

# The command of a tool for a shape (empty: the tool has no way to do it).
command_for() { # tool shape input output
  case $1-$2 in
    rfm-gzstdin) echo "sh -c 'zcat $3 | $RFM customers - -q -o $4'" ;;
    rfm-*) echo "$RFM customers $3 -q -o $4" ;;
    duckdb-retail) echo "$PY bench/peers/duckdb_sql.py $3 $WORK/retail.sql $4" ;;
    duckdb-*) echo "$PY bench/peers/duckdb_rfm.py $3 $4" ;;
    polars-retail) echo "" ;;
    polars-*) echo "$PY bench/peers/polars_rfm.py $3 $4" ;;
  esac
}

RESULTS=$WORK/results.tsv
: > "$RESULTS"
for shape in $SHAPES; do
  data=$(data_for "$shape")
  tools="rfm"
  for peer in duckdb polars; do
    [ -n "$(command_for $peer "$shape" x y)" ] && tools="$tools $peer"
  done
  echo "== $shape ($(du -h "$data" | cut -f1)): checking that $tools agree"
  for tool in $tools; do
    eval "$(command_for $tool "$shape" "$data" "$WORK/out_${tool}_$shape.csv")"
  done
  for tool in $tools; do
    [ "$tool" = rfm ] && continue
    if ! cmp -s "$WORK/out_rfm_$shape.csv" "$WORK/out_${tool}_$shape.csv"; then
      echo "MISMATCH: rfm and $tool differ on $shape:" >&2
      diff "$WORK/out_rfm_$shape.csv" "$WORK/out_${tool}_$shape.csv" | head -10 >&2
      exit 1
    fi
  done
  echo "   identical: $(($(wc -l < "$WORK/out_rfm_$shape.csv") - 1)) customers"
  for rep in $(seq "$REPS"); do
    for tool in $tools; do   # alternating, so drift hits all alike
      /usr/bin/time -f "%e %M" -o "$WORK/time.txt" \
        sh -c "$(command_for $tool "$shape" "$data" "$WORK/out_${tool}_$shape.csv")"
      read -r secs kb < "$WORK/time.txt"
      printf '%s\t%s\t%s\t%s\n' "$tool" "$shape" "$secs" "$kb" >> "$RESULTS"
      echo "   $tool rep $rep: ${secs}s, $((kb / 1024)) MiB"
    done
  done
done

echo
"$PY" - "$RESULTS" "$SHAPES" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
by = {}
for tool, shape, secs, kb in rows:
    by.setdefault((shape, tool), []).append((float(secs), int(kb)))
print(f"| shape | tool | wall median | peak RSS | rfm time / best peer | rfm RSS / best peer |")
print(f"| --- | --- | --- | --- | --- | --- |")
for shape in sys.argv[2].split():
    stats = {}
    for tool in ("rfm", "duckdb", "polars"):
        runs = by.get((shape, tool))
        if runs:
            stats[tool] = (statistics.median(s for s, _ in runs), max(k for _, k in runs) / 1024)
    peers = [v for k, v in stats.items() if k != "rfm"]
    best_t = min(t for t, _ in peers)
    best_m = min(m for _, m in peers)
    for tool, (t, m) in stats.items():
        ratios = f"{stats['rfm'][0] / best_t:.2f}x | {stats['rfm'][1] / best_m:.2f}x" if tool == "rfm" else " | "
        print(f"| {shape} | {tool} | {t:.2f} s | {m:.0f} MiB | {ratios} |")
PY
