"""Runs the query `rfm sql --dialect duckdb` prints, in DuckDB, over a CSV
read with typed columns, and writes its rows as CSV (bench/run.sh, the
Online Retail shape).

usage: python duckdb_sql.py IN.csv QUERY.sql OUT.csv
"""

import sys

import duckdb


def main() -> None:
    src, query, out = sys.argv[1], sys.argv[2], sys.argv[3]
    con = duckdb.connect()
    quoted = "'" + src.replace("'", "''") + "'"
    # Online Retail's columns, typed as a warehouse would hold them.
    con.execute(
        f"""CREATE VIEW orders AS SELECT * FROM read_csv({quoted}, header = true, columns = {{
      'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'Description': 'VARCHAR',
      'Quantity': 'INTEGER', 'InvoiceDate': 'TIMESTAMP', 'UnitPrice': 'DECIMAL(18,3)',
      'CustomerID': 'VARCHAR', 'Country': 'VARCHAR'}})"""
    )
    sql = open(query).read().strip().rstrip(";")
    target = "'" + out.replace("'", "''") + "'"
    con.execute(f"COPY ({sql}) TO {target} (HEADER, DELIMITER ',')")


if __name__ == "__main__":
    main()
