"""The `rfm customers` job in Python polars, for bench/run.sh.

Same method and output as duckdb_rfm.py (see its docstring and
docs/method.md): order grouping, purchases > 0, exact Decimal money,
tie-aware "min" ranks scaled to 1-5, fm, the R x FM grid, sorted by
customer_id, written as CSV.

usage: python polars_rfm.py IN.csv|IN.csv.gz|IN.parquet OUT.csv
"""

import sys

import polars as pl

GRID = {
    (5, 1): "New Customers", (5, 2): "Potential Loyalist", (5, 3): "Loyal Customers",
    (5, 4): "Champions", (5, 5): "Champions",
    (4, 1): "Promising", (4, 2): "Potential Loyalist", (4, 3): "Potential Loyalist",
    (4, 4): "Loyal Customers", (4, 5): "Champions",
    (3, 1): "Promising", (3, 2): "Need Attention", (3, 3): "Potential Loyalist",
    (3, 4): "Loyal Customers", (3, 5): "Loyal Customers",
    (2, 1): "About To Sleep", (2, 2): "Need Attention", (2, 3): "Need Attention",
    (2, 4): "At Risk", (2, 5): "At Risk",
    (1, 1): "Lost", (1, 2): "Hibernating", (1, 3): "At Risk",
    (1, 4): "Can't Lose Them", (1, 5): "Can't Lose Them",
}


def main() -> None:
    src, out = sys.argv[1], sys.argv[2]
    schema = {
        "order_id": pl.String,
        "customer_id": pl.String,
        "order_date": pl.Date,
        "amount": pl.Decimal(18, 2),
    }
    if src.endswith(".parquet"):
        # Typed already (bench/run.sh writes these types).
        scan = pl.scan_parquet(src)
    elif src.endswith(".gz"):
        # polars cannot scan a compressed file: read_csv decompresses it whole.
        scan = pl.read_csv(src, schema_overrides=schema).lazy()
    else:
        # The four columns typed, any other (a description) as text.
        scan = pl.scan_csv(src, schema_overrides=schema, infer_schema=False)
    lines = (
        scan
        .with_columns(pl.col("customer_id").str.strip_chars())
        .filter(pl.col("customer_id").is_not_null() & (pl.col("customer_id") != ""))
    )
    orders = lines.group_by("customer_id", "order_id").agg(
        pl.col("order_date").min(), pl.col("amount").sum().alias("total")
    )
    purchase = pl.col("total") > 0
    customers = (
        orders.group_by("customer_id")
        .agg(
            purchase.sum().alias("frequency"),
            pl.col("order_date").filter(purchase).min().alias("first_order"),
            pl.col("order_date").filter(purchase).max().alias("last_order"),
            pl.col("total").sum().alias("monetary"),
        )
        .filter(pl.col("frequency") > 0)
    )
    as_of = pl.col("last_order").max() + pl.duration(days=1)
    n = pl.len()

    def score(expr: pl.Expr, descending: bool = False) -> pl.Expr:
        worse = expr.rank("min", descending=descending).cast(pl.Int64) - 1
        return (1 + (5 * worse) // n).cast(pl.Int64)

    keys = pl.DataFrame(
        {
            "key": [r * 10 + fm for (r, fm) in GRID],
            "segment": list(GRID.values()),
        }
    ).lazy()
    result = (
        customers.with_columns((as_of - pl.col("last_order")).dt.total_days().alias("recency_days"))
        .with_columns(
            score(pl.col("recency_days"), descending=True).alias("r"),
            score(pl.col("frequency")).alias("f"),
            # Cents as integers: exact, and rank-able.
            score((pl.col("monetary") * 100).cast(pl.Int64)).alias("m"),
        )
        .with_columns(((pl.col("f") + pl.col("m") + 1) // 2).alias("fm"))
        .with_columns(
            pl.concat_str(
                [pl.col("r").cast(pl.String), pl.col("f").cast(pl.String), pl.col("m").cast(pl.String)]
            ).alias("rfm"),
            (pl.col("r") * 10 + pl.col("fm")).alias("key"),
        )
        .join(keys, on="key", how="left")
        .select(
            "customer_id",
            "first_order",
            "last_order",
            "recency_days",
            "frequency",
            pl.col("monetary").cast(pl.String),
            "r",
            "f",
            "m",
            "fm",
            "rfm",
            "segment",
            # "Can't Lose Them" -> "cant_lose_them"
            pl.col("segment").str.replace_all("'", "").str.replace_all(" ", "_")
            .str.to_lowercase().alias("segment_key"),
        )
        .sort("customer_id")
    )
    result.collect().write_csv(out)


if __name__ == "__main__":
    main()
