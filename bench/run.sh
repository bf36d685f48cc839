#!/usr/bin/env bash
# Benchmark `rfm customers` against DuckDB and Python polars doing the same job
# (docs/method.md) on generated order exports. See bench/README.md.
#
#   bench/run.sh                       # 1M and 10M rows, CSV and Parquet, 3 repetitions
#   RFM_BENCH_SIZES="1000000" RFM_BENCH_REPS=5 RFM_BENCH_INPUTS=parquet bench/run.sh
#
# Generated data, the Python venv and outputs live under target/bench (never
# committed); data files are cached between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${RFM_BENCH_DIR:-$ROOT/target/bench}
SIZES=${RFM_BENCH_SIZES:-"1000000 10000000"}
REPS=${RFM_BENCH_REPS:-3}
INPUTS=${RFM_BENCH_INPUTS:-"csv parquet"}
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

# The command for a tool: tool input output
command_for() {
  case $1 in
    rfm) echo "$RFM customers $2 -q -o $3" ;;
    duckdb) echo "$PY bench/peers/duckdb_rfm.py $2 $3" ;;
    polars) echo "$PY bench/peers/polars_rfm.py $2 $3" ;;
  esac
}

RESULTS=$WORK/results.tsv
: > "$RESULTS"
for n in $SIZES; do
  csv=$WORK/orders_$n.csv
  if [ ! -s "$csv" ]; then
    echo "== generating $n rows -> $csv"
    "$GEN" "$n" > "$csv.tmp" && mv "$csv.tmp" "$csv"
  fi
  for input in $INPUTS; do
    data=$WORK/orders_$n.$input
    if [ "$input" = parquet ] && [ ! -s "$data" ]; then
      # The same rows, typed as a warehouse would export them, by DuckDB.
      echo "== converting to Parquet -> $data"
      "$PY" - "$csv" "$data.tmp" <<'PY'
import sys, duckdb
src, out = sys.argv[1], sys.argv[2]
duckdb.sql(f"""COPY (SELECT * FROM read_csv('{src}', header = true, columns = {{
  'order_id': 'VARCHAR', 'customer_id': 'VARCHAR', 'order_date': 'DATE',
  'amount': 'DECIMAL(18,2)'}})) TO '{out}' (FORMAT parquet)""")
PY
      mv "$data.tmp" "$data"
    fi
    key=$n-$input
    echo "== $n rows, $input ($(du -h "$data" | cut -f1)): checking the three outputs are identical"
    for tool in rfm duckdb polars; do
      $(command_for $tool "$data" "$WORK/out_${tool}_$key.csv")
    done
    for tool in duckdb polars; do
      if ! cmp -s "$WORK/out_rfm_$key.csv" "$WORK/out_${tool}_$key.csv"; then
        echo "MISMATCH: rfm and $tool differ on $n rows ($input):" >&2
        diff "$WORK/out_rfm_$key.csv" "$WORK/out_${tool}_$key.csv" | head -10 >&2
        exit 1
      fi
    done
    echo "   identical: $(($(wc -l < "$WORK/out_rfm_$key.csv") - 1)) customers"
    for rep in $(seq "$REPS"); do
      for tool in rfm duckdb polars; do   # alternating, so drift hits all alike
        /usr/bin/time -f "%e %M" -o "$WORK/time.txt" $(command_for $tool "$data" "$WORK/out_${tool}_$key.csv")
        read -r secs kb < "$WORK/time.txt"
        printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$n" "$input" "$secs" "$kb" >> "$RESULTS"
        echo "   $tool rep $rep: ${secs}s, $((kb / 1024)) MiB"
      done
    done
  done
done

echo
"$PY" - "$RESULTS" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
by = {}
for tool, n, fmt, secs, kb in rows:
    by.setdefault((int(n), fmt, tool), []).append((float(secs), int(kb)))
print(f"{'tool':8} {'rows':>12} {'input':8} {'wall median':>12} {'peak RSS':>10} {'time/rfm':>9} {'RSS/rfm':>8}")
for n, fmt in sorted({(n, fmt) for n, fmt, _ in by}):
    base = by[(n, fmt, "rfm")]
    bt, bm = statistics.median(s for s, _ in base), max(k for _, k in base)
    for tool in ("rfm", "duckdb", "polars"):
        runs = by[(n, fmt, tool)]
        t, m = statistics.median(s for s, _ in runs), max(k for _, k in runs)
        print(f"{tool:8} {n:>12,} {fmt:8} {t:>11.2f}s {m / 1024:>7.0f} MiB {t / bt:>8.2f}x {m / bm:>7.2f}x")
PY
