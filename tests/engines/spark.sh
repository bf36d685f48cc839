#!/usr/bin/env bash
# Checks `rfm sql --dialect spark` on Apache Spark: for every case below, runs
# `rfm customers FILE FLAGS -f csv` and the query printed by
# `rfm sql --dialect spark --table TABLE FLAGS` on Spark (PySpark, local[2]),
# with FILE loaded as a typed table (strings, TimestampType dates,
# DecimalType(18, SCALE) money, IntegerType quantities), and compares the rows
# one by one: same header, same rows, same order. Prints one line per case and
# the total time; exits non-zero on any difference or error.
#
# Too heavy for CI, run by hand from anywhere in the repository:
#   tests/engines/spark.sh                 # every case
#   tests/engines/spark.sh generated_100k  # only the cases with these names
# Environment: PYSPARK_VERSION (default below; e.g. 3.5.8 with
# SPARK_VENV=target/spark-venv-3.5 to keep both), SPARK_CONF="k=v k=v" extra
# Spark settings (e.g. spark.sql.ansi.enabled=false), RFM_SQL_FROM=DIR to run
# DIR/NAME.sql instead of `rfm sql` (hand-written queries).
#
# Requires: Java 17 or later on PATH (or JAVA_HOME), python3 with venv, cargo,
# PyPI. The first run creates target/spark-venv with the pinned pyspark (a
# ~435 MB download, ~30 s; ~500 MB on disk); later runs reuse it. A run of
# every case takes about 2 minutes on 2 cores (JVM start ~10 s; loading the
# 541,909-row Online Retail export ~8 s; r-quantile queries ~15 s each; the
# others 2-7 s), plus cargo's build. Outputs (each case's query, expected and
# Spark rows as CSV) go to target/engines/spark/. Spark 3.5.x (ANSI off) and
# 4.0.x (ANSI on by default) both pass.
set -euo pipefail

# Cases: NAME | FILE | SCALE of DecimalType(18, SCALE) | TABLE | rfm flags
# (the column mapping, then method flags; quoted as in a shell).
# TABLE `orders` is a temporary view; `db.name` a table saved in database db.
GEN=target/engines/orders_100k_1.csv
GEN_ROWS='--customer "Customer ID" --date "Order Date" --amount Amount'
GEN_MAP="$GEN_ROWS --order \"Order No\""
RETAIL=../shared/data/online_retail.csv.gz
RETAIL_ROWS='--customer CustomerID --date InvoiceDate --quantity Quantity --price UnitPrice'
RETAIL_MAP="$RETAIL_ROWS --order InvoiceNo"
CASES=(
  "hand_computed | testdata/hand_computed.csv | 2 | orders | --customer customer_id --date order_date --amount amount --order order_id"
  "hand_computed_shop | testdata/hand_computed.csv | 2 | shop.orders | --customer customer_id --date order_date --amount amount --order order_id"
  "sample_orders | testdata/sample_orders.csv | 2 | orders | --customer customer_id --date order_date --quantity quantity --price unit_price --order order_id"
  "quantity_price | testdata/quantity_price.csv | 3 | orders | --customer customer --date date --quantity qty --price unit_price"
  "generated_100k | $GEN | 3 | orders | $GEN_MAP"
  "generated_100k_ignore_ntile | $GEN | 3 | orders | $GEN_MAP --returns ignore --scoring ntile"
  "generated_100k_window | $GEN | 3 | orders | $GEN_MAP --as-of 2025-06-01 --since 2024-06-01"
  "online_retail | $RETAIL | 3 | orders | $RETAIL_MAP"
  # More method options, and the --summary query (compared with rfm summary).
  "gen_until_decimals | $GEN | 3 | orders | $GEN_MAP --until 2025-03-05 --decimals 3"
  "gen_rf_grid_it | $GEN | 3 | orders | $GEN_MAP --segments rf-grid --lang it"
  "gen_r_rfm_fr | $GEN | 3 | orders | $GEN_MAP --segments r-rfm --lang fr --scoring ntile"
  "gen_vip_ntile | $GEN | 3 | orders | $GEN_MAP --segments docs/examples/vip.toml --scoring ntile"
  "gen_fixed_bins | $GEN | 3 | orders | $GEN_MAP --r-bins 5,10,50,90 --m-bins 10,20.5,45.50,100 --f-bins 2,3,5,8"
  "gen_bins_10 | $GEN | 3 | orders | $GEN_MAP --bins 10 --segments testdata/segments_10.toml"
  "gen_r_quantile | $GEN | 3 | orders | $GEN_ROWS --scoring r-quantile --returns ignore"
  "gen_summary | $GEN | 3 | orders | $GEN_MAP --summary"
  "gen_summary_window | $GEN | 3 | orders | $GEN_MAP --summary --as-of 2025-03-01 --since 2024-12-15 --lang de"
  "retail_ignore_asof | $RETAIL | 3 | orders | $RETAIL_MAP --returns ignore --as-of 2011-06-01"
  "retail_r_quantile | $RETAIL | 3 | orders | $RETAIL_ROWS --scoring r-quantile"
  "retail_summary | $RETAIL | 3 | shop.orders | $RETAIL_MAP --summary --scoring ntile --segments r-rfm"
)

PYSPARK_VERSION=${PYSPARK_VERSION:-4.0.5}
START=$(date +%s)
[ -z "${RFM_SQL_FROM:-}" ] || RFM_SQL_FROM=$(cd "$RFM_SQL_FROM" && pwd)
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
if ! command -v java >/dev/null && [ -z "${JAVA_HOME:-}" ]; then
  echo "spark.sh: Spark needs Java 17 or later (java on PATH, or JAVA_HOME)" >&2
  exit 2
fi

VENV=${SPARK_VENV:-target/spark-venv}
have=$("$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null || true)
if [ "$have" != "$PYSPARK_VERSION" ]; then
  echo "installing pyspark $PYSPARK_VERSION into $VENV (was: ${have:-none})"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
fi

cargo build --release --quiet
mkdir -p target/engines
python3 tests/engines/gen_orders.py 100000 1 > "$GEN.tmp" && mv "$GEN.tmp" "$GEN"

args=()
for c in "${CASES[@]}"; do
  name=$(echo "${c%%|*}" | xargs)
  if [ $# -gt 0 ]; then
    case " $* " in *" $name "*) ;; *) continue ;; esac
  fi
  args+=(--case "$c")
done
[ ${#args[@]} -gt 0 ] || { echo "no case named: $*" >&2; exit 2; }
for kv in ${SPARK_CONF:-}; do args+=(--conf "$kv"); done
[ -z "${RFM_SQL_FROM:-}" ] || args+=(--sql-from "$RFM_SQL_FROM")

export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
status=0
"$VENV/bin/python" tests/engines/spark_check.py --rfm target/release/rfm "${args[@]}" || status=$?
echo "spark.sh: total $(( $(date +%s) - START ))s"
exit $status
