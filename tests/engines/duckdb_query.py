"""Loads CSV files into an in-memory DuckDB and runs a SQL script.

Used by tests/common/engines.rs. Reads a JSON job on stdin:

    {"tables": [{"schema": "shop" | null, "name": "Orders", "csv": "/path.csv[.gz]",
                 "columns": [["order_id", "VARCHAR"], ["amount", "DECIMAL(18,2)"], ...]}],
     "sql": "SELECT ...;"}

Every table is created and loaded with explicit column types (no sniffing;
empty unquoted fields are NULL, quoted empty fields are empty strings), then
the script runs (several statements are allowed) and the result of its last
statement is printed to stdout as CSV, header first (nothing when the last
statement is CREATE, INSERT, SET...). Values are DuckDB's own
CAST(... AS VARCHAR) text, NULL an empty field:

    DATE -> 2025-01-10, TIMESTAMP -> 2025-01-10 09:00:00[.25],
    DECIMAL -> plain digits with the scale's decimals (45.50, never an
    exponent), integers -> digits, DOUBLE -> shortest round trip (1.0, 1e+20),
    BOOLEAN -> true/false, strings verbatim.

On failure the DuckDB error goes to stderr and the exit status is 1.
"""

import csv
import datetime
import decimal
import json
import sys

import duckdb


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def python_text(value):
    """Text of a value fetched as a Python object (fallback for statements
    that cannot be wrapped in a subquery)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def load(con, table):
    name = ident(table["name"])
    if table.get("schema") is not None:
        con.execute("CREATE SCHEMA IF NOT EXISTS " + ident(table["schema"]))
        name = ident(table["schema"]) + "." + name
    columns = ", ".join(
        literal(column) + ": " + literal(kind) for column, kind in table["columns"]
    )
    con.execute(
        "CREATE OR REPLACE TABLE %s AS SELECT * FROM read_csv(%s, header = true, "
        "delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false, "
        "auto_detect = false, columns = {%s})" % (name, literal(table["csv"]), columns)
    )


# Statements other than SELECT whose rows are returned; the others (CREATE,
# INSERT, SET...) return nothing, as in PostgreSQL.
ROWS = {
    duckdb.StatementType.EXPLAIN,
    duckdb.StatementType.PRAGMA,
    duckdb.StatementType.CALL,
}


def without_terminator(query):
    """`query` without its final `;` (and the comments after it), to be
    used as a subquery. Token positions are UTF-8 byte offsets (a query
    with accented letters in its strings has more bytes than characters)."""
    code = [
        position
        for position, kind in duckdb.tokenize(query)
        if kind != duckdb.token_type.comment
    ]
    data = query.encode("utf-8")
    if code and data[code[-1] : code[-1] + 1] == b";":
        return data[: code[-1]].decode("utf-8")
    return query


def run(con, sql):
    """Runs the statements of `sql`; returns the header and text rows of the
    last one."""
    statements = duckdb.extract_statements(sql)
    if not statements:
        return [], []
    for statement in statements[:-1]:
        con.execute(statement.query)
    last = statements[-1]
    query = without_terminator(last.query)
    if last.type == duckdb.StatementType.SELECT:
        # DuckDB's own VARCHAR cast gives the text of every type (and needs
        # no pytz for TIMESTAMP WITH TIME ZONE); the projection keeps the
        # order of the rows.
        header = con.sql(query).columns
        wrapped = "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (%s\n)" % query
        try:
            rows = con.execute(wrapped).fetchall()
        except duckdb.Error:
            pass  # not usable as a subquery: fetched below
        else:
            return header, [["" if v is None else v for v in row] for row in rows]
    elif last.type not in ROWS:
        con.execute(last.query)
        return [], []
    result = con.execute(last.query)
    header = [column[0] for column in result.description or []]
    rows = result.fetchall() if header else []
    return header, [[python_text(v) for v in row] for row in rows]


def main():
    sys.stdout.reconfigure(encoding="utf-8")
    job = json.load(sys.stdin)
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        for table in job["tables"]:
            load(con, table)
        header, rows = run(con, job["sql"])
    except duckdb.Error as error:
        print(error, file=sys.stderr)
        return 1
    out = csv.writer(sys.stdout, lineterminator="\n")
    if header:
        out.writerow(header)
    out.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
