#!/usr/bin/env python3
"""Runs `rfm sql --dialect spark` on Apache Spark and compares with `rfm customers`.

Driven by tests/engines/spark.sh (which sets up the venv, builds rfm and
passes the cases); usable alone with a Python that has pyspark:

    python3 tests/engines/spark_check.py --rfm target/release/rfm \\
        --case 'NAME|FILE|SCALE|TABLE|FLAGS' [--case ...] [--sql-from DIR] \\
        [--conf spark.key=value ...] [--out DIR]

A case: NAME (a label), FILE (CSV, .gz allowed), SCALE (decimal places of
the DecimalType(18, SCALE) amount/price columns), TABLE (`orders`: a
temporary view; `db.name`: a table saved in database db), FLAGS (rfm flags
as a shell would split them: the column mapping --customer/--date/--amount or
--quantity/--price/--order, then method flags). For each case:

1. `rfm customers FILE FLAGS -f csv` gives the expected rows (`rfm summary`
   when FLAGS hold --summary, which only `rfm sql` gets);
2. `rfm sql --dialect spark --table TABLE FLAGS` gives the query (or
   DIR/NAME.sql with --sql-from DIR: a hand-written query);
3. Spark loads FILE with an explicit schema: every column a string, then the
   mapped date column as TimestampType (yyyy-MM-dd HH:mm:ss, yyyy-MM-dd'T'
   HH:mm:ss, yyyy-MM-dd HH:mm or yyyy-MM-dd), amount/price as
   DecimalType(18, SCALE) ('$' and ',' thousands separators removed, as a
   warehouse load would), quantity as IntegerType. Empty fields are NULL
   (Spark's CSV reader); text fields keep their spaces. A value that does not
   convert exactly fails the case (the load must not change the data);
4. the query (its trailing ';' removed) runs with spark.sql(); each value is
   turned into text (NULL -> "", date -> YYYY-MM-DD, Decimal -> plain digits,
   integers -> digits) and the rows are compared with rfm's CSV: same header,
   same number of rows, same rows in the same order.

Prints one line per case and exits 1 on any mismatch or error.
"""

import argparse
import csv
import datetime as dt
import decimal
import gzip
import io
import os
import shlex
import shutil
import subprocess
import sys
import time

# Columns the loader types, by rfm flag.
TYPED_FLAGS = {"--customer": "text", "--order": "text", "--date": "date",
               "--amount": "money", "--price": "money", "--quantity": "int"}
LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %.-400m%ex{4}%n
logger.window.name = org.apache.spark.sql.execution.window.WindowExec
logger.window.level = error
logger.hadoop.name = org.apache.hadoop.util.NativeCodeLoader
logger.hadoop.level = error
"""
DATE_PATTERNS = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss",
                 "yyyy-MM-dd HH:mm", "yyyy-MM-dd"]


class Case:
    def __init__(self, spec):
        parts = spec.split("|", 4)
        if len(parts) != 5:
            raise SystemExit(f"bad case (want NAME|FILE|SCALE|TABLE|FLAGS): {spec}")
        self.name, self.file, scale, self.table, flags = (p.strip() for p in parts)
        self.scale = int(scale)
        self.flags = shlex.split(flags)
        self.mapping = {}
        for i, flag in enumerate(self.flags):
            if flag in TYPED_FLAGS and i + 1 < len(self.flags):
                self.mapping[flag] = self.flags[i + 1]
            elif "=" in flag and flag.split("=", 1)[0] in TYPED_FLAGS:
                key, value = flag.split("=", 1)
                self.mapping[key] = value


def sql_string(value):
    """A Spark SQL string literal: backslash escapes (not '' doubling)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def header_of(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def run(cmd):
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({p.returncode}):\n"
                           + p.stderr.decode("utf-8", "replace"))
    return p.stdout.decode("utf-8"), time.monotonic() - t


def text(value):
    """A Spark value as rfm's CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")          # a timestamp: shows as a mismatch
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)                       # a double: shows as a mismatch
    return str(value)


class Loader:
    """Typed tables of the case files, loaded once per (file, scale)."""

    def __init__(self, spark):
        self.spark = spark
        self.frames = {}
        self.saved = {}  # saved table -> the DataFrame it holds

    def frame(self, case):
        """(typed DataFrame, seconds to load, rows), cached per file and typing."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import StringType, StructField, StructType

        kinds = {col: TYPED_FLAGS[flag] for flag, col in case.mapping.items()}
        key = (case.file, case.scale,
               tuple(sorted((c, k) for c, k in kinds.items() if k != "text")))
        if key in self.frames:
            df, rows = self.frames[key]
            return df, 0.0, rows
        t = time.monotonic()
        header = header_of(case.file)
        schema = StructType([StructField(c, StringType(), True) for c in header])
        raw = (self.spark.read.schema(schema)
               .option("header", True).option("escape", '"')
               .option("mode", "FAILFAST").option("encoding", "UTF-8")
               .csv(case.file))
        for col in kinds:
            if col not in header:
                raise RuntimeError(f"{case.file}: no column {col!r} in {header}")
        cols, checks = [], []
        for i, col in enumerate(header):
            # SQL text rather than Column methods: Column.try_cast is PySpark 4 only.
            c = "`" + col.replace("`", "``") + "`"
            kind = kinds.get(col, "text")
            if kind == "date":
                typed = "coalesce(" + ", ".join(
                    f"try_to_timestamp({c}, {sql_string(p)})" for p in DATE_PATTERNS) + ")"
                bad = f"{c} IS NOT NULL AND {typed} IS NULL"
            elif kind == "money":
                clean = f"regexp_replace(trim({c}), '[$,]', '')"
                typed = f"try_cast({clean} AS DECIMAL(18, {case.scale}))"
                wide = f"try_cast({clean} AS DECIMAL(38, 18))"
                # NULL, or rounded: the scale is too small for the data.
                bad = (f"{c} IS NOT NULL AND ({typed} IS NULL OR {wide} IS NULL"
                       f" OR {typed} <> {wide})")
            elif kind == "int":
                typed = f"try_cast(trim({c}) AS INT)"
                bad = f"{c} IS NOT NULL AND {typed} IS NULL"
            else:
                typed, bad = c, None
            cols.append(F.expr(typed).alias(col))
            if bad is not None:
                cols += [F.expr(bad).alias(f"__bad{i}"), F.expr(c).alias(f"__raw{i}")]
                checks.append((i, col))
        df = raw.select(*cols).cache()
        for i, col in checks:
            sample = df.where(F.col(f"__bad{i}")).select(f"__raw{i}").limit(5).collect()
            if sample:
                raise RuntimeError(
                    f"{case.file}: column {col!r} does not load exactly as "
                    f"{kinds[col]} (scale {case.scale}): values like {[r[0] for r in sample]}")
        typed_df = df.select(*[F.col(f"`{c}`") for c in header]).cache()
        rows = typed_df.count()
        df.unpersist()
        self.frames[key] = (typed_df, rows)
        return typed_df, time.monotonic() - t, rows

    def register(self, case):
        """Makes case.table hold the case's file; (seconds to load, rows)."""
        df, load_s, rows = self.frame(case)
        if "." in case.table:
            db, _ = case.table.split(".", 1)
            if self.saved.get(case.table) is not df:
                t = time.monotonic()
                self.spark.sql(f"CREATE DATABASE IF NOT EXISTS `{db}`")
                df.write.mode("overwrite").saveAsTable(case.table)
                self.saved[case.table] = df
                load_s += time.monotonic() - t
        else:
            df.createOrReplaceTempView(case.table)
        return load_s, rows


def compare(expected_csv, columns, got_rows):
    """(True, message) when equal; else (False, the first differences)."""
    exp = list(csv.reader(io.StringIO(expected_csv, newline="")))
    if not exp:
        return False, "rfm printed nothing"
    exp_header, exp_rows = exp[0], exp[1:]
    got = [[text(v) for v in row] for row in got_rows]
    problems = []
    if list(columns) != exp_header:
        problems.append(f"header differs:\n    rfm:   {exp_header}\n    spark: {list(columns)}")
    if len(got) != len(exp_rows):
        problems.append(f"row count differs: rfm {len(exp_rows)}, spark {len(got)}")
    shown = 0
    for i in range(max(len(got), len(exp_rows))):
        e = exp_rows[i] if i < len(exp_rows) else None
        g = got[i] if i < len(got) else None
        if e != g:
            cols = ""
            if e is not None and g is not None and len(e) == len(g):
                cols = " (" + ", ".join(
                    f"{exp_header[j] if j < len(exp_header) else j}: {e[j]!r} vs {g[j]!r}"
                    for j in range(len(e)) if e[j] != g[j]) + ")"
            problems.append(f"row {i + 1} differs{cols}\n    rfm:   {e}\n    spark: {g}")
            shown += 1
            if shown == 5:
                diff = sum(1 for a, b in zip(exp_rows, got) if a != b)
                problems.append(f"... {diff} differing rows among the first "
                                f"{min(len(got), len(exp_rows))}")
                break
    if problems:
        return False, "\n  ".join(problems)
    return True, f"{len(got)} rows, equal"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rfm", default="target/release/rfm")
    ap.add_argument("--case", action="append", default=[], required=True)
    ap.add_argument("--sql-from", metavar="DIR",
                    help="read NAME.sql from DIR instead of running rfm sql")
    ap.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--out", default="target/engines/spark",
                    help="where each case's query, expected and actual rows are written")
    args = ap.parse_args()
    cases = [Case(s) for s in args.case]
    os.makedirs(args.out, exist_ok=True)
    warehouse = os.path.abspath(os.path.join(args.out, "warehouse"))
    shutil.rmtree(warehouse, ignore_errors=True)  # saved tables of a previous run

    # Quiet Spark: WARN and above, less the notes every local run gets (no
    # native Hadoop; a window without PARTITION BY, which the method's ranks
    # over all customers need, warned about once per partition); messages cut
    # to 400 characters and stack traces to 4 lines (a failed query's error
    # is on its case line anyway).
    log4j = os.path.abspath(os.path.join(args.out, "log4j2.properties"))
    with open(log4j, "w", encoding="utf-8") as f:
        f.write(LOG4J2)

    started = time.monotonic()
    from pyspark.sql import SparkSession
    import pyspark
    builder = (SparkSession.builder.master("local[2]").appName("rfm-sql-check")
               .config("spark.driver.memory", "4g")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "8")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.warehouse.dir", warehouse))
    for kv in args.conf:
        k, v = kv.split("=", 1)
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    jvm = spark.sparkContext._jvm
    heap = jvm.java.lang.Runtime.getRuntime().maxMemory() / 2**30
    print(f"spark {spark.version} (pyspark {pyspark.__version__}), local[2], "
          f"driver heap {heap:.1f} GiB, "
          f"ansi={spark.conf.get('spark.sql.ansi.enabled')}, "
          f"started in {time.monotonic() - started:.1f}s", flush=True)

    # PySpark 4 also logs every failed query with its JVM stack trace, as
    # JSON on stderr; the case line reports the error already.
    try:
        import logging
        from pyspark.logger import PySparkLogger  # PySpark 4
        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)
    except ImportError:
        pass
    loader = Loader(spark)
    failures = 0
    for case in cases:
        if not os.path.exists(case.file):
            print(f"{case.name}: SKIPPED, no file {case.file}", flush=True)
            continue
        t0 = time.monotonic()
        rfm_s = load_s = query_s = 0.0
        input_rows = 0
        try:
            # --summary: the query of `rfm summary`, compared with it.
            command = "summary" if "--summary" in case.flags else "customers"
            rfm_flags = [f for f in case.flags if f != "--summary"]
            expected, rfm_s = run([args.rfm, command, case.file, *rfm_flags,
                                   "-f", "csv", "-q"])
            if args.sql_from:
                with open(os.path.join(args.sql_from, case.name + ".sql"), encoding="utf-8") as f:
                    query = f.read()
            else:
                query, _ = run([args.rfm, "sql", "--dialect", "spark", "--table",
                                case.table, *case.flags])
            with open(os.path.join(args.out, case.name + ".sql"), "w", encoding="utf-8") as f:
                f.write(query)
            with open(os.path.join(args.out, case.name + ".expected.csv"), "w",
                      encoding="utf-8", newline="") as f:
                f.write(expected)
            if not query.endswith(";\n"):
                print(f"  note: the query does not end with ';' and a newline", flush=True)
            statement = query.rstrip().rstrip(";").rstrip()
            load_s, input_rows = loader.register(case)
            t = time.monotonic()
            df = spark.sql(statement)
            columns = df.columns
            got = df.collect()
            query_s = time.monotonic() - t
            with open(os.path.join(args.out, case.name + ".spark.csv"), "w",
                      encoding="utf-8", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(columns)
                w.writerows([text(v) for v in row] for row in got)
            ok, message = compare(expected, columns, got)
        except Exception as e:  # noqa: BLE001 - report every failure as a case result
            ok, message = False, "ERROR " + (str(e).strip().split("\n\nJVM stacktrace")[0])[:3000]
        took = time.monotonic() - t0
        failures += not ok
        print(f"{case.name}: {message}  [{input_rows} input rows; rfm {rfm_s:.2f}s, "
              f"load {load_s:.1f}s, spark query {query_s:.1f}s, case {took:.1f}s]", flush=True)
    spark.stop()
    print(f"{len(cases) - failures} equal, {failures} not; total {time.monotonic() - started:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
