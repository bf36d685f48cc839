"""Writes the Parquet fixtures in this folder (committed; re-run to rebuild).

They are written by DuckDB and Python polars, writers independent of rfm's
reader, with the types warehouses and dataframes produce:

- hand_computed.parquet: ../hand_computed.csv as VARCHAR ids, TIMESTAMP
  dates and DECIMAL(18,2) amounts, in row groups of 4 rows.
- part-1.parquet, part-2.parquet: the same rows split in two files.
- typed.parquet: typed.csv as pandas would hand it over: DOUBLE customer ids
  (a null among them), BIGINT order numbers, DATE, INTEGER quantities and
  DOUBLE prices.
- bad.parquet: hand_computed with a null date in row 6 and a null amount in
  row 9.
- zoned.parquet: timestamps in Europe/Rome around midnight (see the test).
- nested_amount.parquet, nested_customer.parquet: an amount column of type
  MAP(VARCHAR, BIGINT), and a customer column of type BIGINT[] (refused).

Run: python3 make_fixtures.py   (needs duckdb and polars from PyPI)
"""

import datetime as dt

import duckdb
import polars as pl

con = duckdb.connect()
hand = """SELECT order_id, customer_id, CAST(order_date AS TIMESTAMP) AS order_date,
          CAST(amount AS DECIMAL(18,2)) AS amount
          FROM read_csv('../hand_computed.csv', all_varchar=true)"""
con.execute(f"COPY ({hand}) TO 'hand_computed.parquet' (FORMAT parquet, ROW_GROUP_SIZE 4)")
con.execute(f"CREATE TABLE hand AS SELECT row_number() OVER () AS n, * FROM ({hand})")
con.execute("COPY (SELECT * EXCLUDE n FROM hand WHERE n <= 7 ORDER BY n) TO 'part-1.parquet' (FORMAT parquet)")
con.execute("COPY (SELECT * EXCLUDE n FROM hand WHERE n > 7 ORDER BY n) TO 'part-2.parquet' (FORMAT parquet)")
con.execute("""COPY (SELECT * EXCLUDE n REPLACE (
                  CASE WHEN n = 6 THEN NULL ELSE order_date END AS order_date,
                  CASE WHEN n = 9 THEN NULL ELSE amount END AS amount)
               FROM hand ORDER BY n) TO 'bad.parquet' (FORMAT parquet, ROW_GROUP_SIZE 4)""")
con.execute("""COPY (SELECT CAST(customer AS DOUBLE) AS customer, CAST(order_no AS BIGINT) AS order_no,
                  CAST(day AS DATE) AS day, CAST(qty AS INTEGER) AS qty, CAST(price AS DOUBLE) AS price
               FROM read_csv('typed.csv', all_varchar=true)) TO 'typed.parquet' (FORMAT parquet)""")

rome = "Europe/Rome"
pl.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c"],
        "order_date": [
            # 00:30 in Rome on 1 Jan 2025 = 23:30 UTC on 31 Dec 2024.
            dt.datetime(2025, 1, 1, 0, 30),
            # 23:30 in Rome on 10 Jan 2025 = 22:30 UTC, same day.
            dt.datetime(2025, 1, 10, 23, 30),
            # 01:00 in Rome on 1 Jul 2025 (summer time) = 23:00 UTC on 30 Jun.
            dt.datetime(2025, 7, 1, 1, 0),
            dt.datetime(2025, 7, 2, 12, 0),
        ],
        "amount": [10.0, 20.0, 5.5, 1.25],
    },
    schema_overrides={"order_date": pl.Datetime("ms")},
).with_columns(pl.col("order_date").dt.replace_time_zone(rome)).write_parquet("zoned.parquet")
con.execute("""COPY (SELECT 'a' AS customer_id, DATE '2025-01-01' AS order_date,
               MAP {'x': 1::BIGINT} AS amount) TO 'nested_amount.parquet' (FORMAT parquet)""")
con.execute("""COPY (SELECT [1, 2] AS customer_id, DATE '2025-01-01' AS order_date,
               5 AS amount) TO 'nested_customer.parquet' (FORMAT parquet)""")
