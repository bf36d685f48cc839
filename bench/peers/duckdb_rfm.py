"""The `rfm customers` job in DuckDB SQL, for bench/run.sh.

Implements docs/method.md for exports with columns
order_id,customer_id,order_date,amount (ISO dates, decimal amounts) and no
empty order ids: rows grouped into orders by (customer, order id), purchases
are orders totalling > 0, exact DECIMAL money, tie-aware scores
1 + floor(5 * (number strictly worse) / N) via RANK(), fm, the R x FM grid.
Writes the same CSV as `rfm customers IN -o OUT`.

usage: python duckdb_rfm.py IN.csv|IN.csv.gz|IN.parquet OUT.csv [THREADS]
"""

import gzip
import sys

import duckdb

GRID = """
CASE
  WHEN r = 5 THEN CASE fm WHEN 1 THEN 'New Customers' WHEN 2 THEN 'Potential Loyalist'
                          WHEN 3 THEN 'Loyal Customers' ELSE 'Champions' END
  WHEN r = 4 THEN CASE fm WHEN 1 THEN 'Promising' WHEN 2 THEN 'Potential Loyalist'
                          WHEN 3 THEN 'Potential Loyalist' WHEN 4 THEN 'Loyal Customers'
                          ELSE 'Champions' END
  WHEN r = 3 THEN CASE fm WHEN 1 THEN 'Promising' WHEN 2 THEN 'Need Attention'
                          WHEN 3 THEN 'Potential Loyalist' ELSE 'Loyal Customers' END
  WHEN r = 2 THEN CASE fm WHEN 1 THEN 'About To Sleep' WHEN 2 THEN 'Need Attention'
                          WHEN 3 THEN 'Need Attention' ELSE 'At Risk' END
  ELSE CASE fm WHEN 1 THEN 'Lost' WHEN 2 THEN 'Hibernating' WHEN 3 THEN 'At Risk'
               ELSE 'Can''t Lose Them' END
END
"""


def quote(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def main() -> None:
    src, out = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    if len(sys.argv) > 3:
        con.execute(f"SET threads = {int(sys.argv[3])}")
    if src.endswith(".parquet"):
        # Typed already (bench/run.sh writes these types).
        reader = f"read_parquet({quote(src)})"
    else:
        # The four columns typed, any other (a description) as text; a
        # `.gz` is decompressed by DuckDB.
        types = {"order_id": "VARCHAR", "customer_id": "VARCHAR",
                 "order_date": "DATE", "amount": "DECIMAL(18,2)"}
        opener = gzip.open if src.endswith(".gz") else open
        with opener(src, "rt") as f:
            header = f.readline().strip().split(",")
        columns = ", ".join(f"'{c}': '{types.get(c, 'VARCHAR')}'" for c in header)
        reader = f"read_csv({quote(src)}, header = true, columns = {{{columns}}})"
    con.execute(
        f"""
COPY (
  WITH lines AS (
    SELECT order_id, trim(customer_id) AS customer_id, order_date, amount
    FROM {reader}
    WHERE customer_id IS NOT NULL AND trim(customer_id) <> ''
  ),
  orders AS (
    SELECT customer_id, order_id, min(order_date) AS order_date, sum(amount) AS total
    FROM lines GROUP BY customer_id, order_id
  ),
  customers AS (
    SELECT customer_id,
           count(*) FILTER (WHERE total > 0) AS frequency,
           min(order_date) FILTER (WHERE total > 0) AS first_order,
           max(order_date) FILTER (WHERE total > 0) AS last_order,
           sum(total) AS monetary
    FROM orders GROUP BY customer_id
    HAVING count(*) FILTER (WHERE total > 0) > 0
  ),
  measured AS (
    SELECT c.*, (p.as_of - c.last_order) AS recency_days, count(*) OVER () AS n
    FROM customers c CROSS JOIN (SELECT max(last_order) + 1 AS as_of FROM customers) p
  ),
  scored AS (
    SELECT *,
      1 + (5 * (rank() OVER (ORDER BY recency_days DESC) - 1)) // n AS r,
      1 + (5 * (rank() OVER (ORDER BY frequency) - 1)) // n AS f,
      1 + (5 * (rank() OVER (ORDER BY monetary) - 1)) // n AS m
    FROM measured
  ),
  final AS (SELECT *, (f + m + 1) // 2 AS fm FROM scored)
  SELECT customer_id,
         strftime(first_order, '%Y-%m-%d') AS first_order,
         strftime(last_order, '%Y-%m-%d') AS last_order,
         recency_days, frequency,
         CAST(monetary AS VARCHAR) AS monetary,
         r, f, m, fm,
         CAST(r AS VARCHAR) || CAST(f AS VARCHAR) || CAST(m AS VARCHAR) AS rfm,
         {GRID} AS segment,
         -- "Can't Lose Them" -> "cant_lose_them"
         lower(replace(replace({GRID}, '''', ''), ' ', '_')) AS segment_key
  FROM final
  ORDER BY customer_id
) TO {quote(out)} (HEADER, DELIMITER ',')
"""
    )


if __name__ == "__main__":
    main()
