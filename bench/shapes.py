"""Benchmark inputs of realistic shapes, made from the generated export or
the Online Retail file (bench/run.sh; written under target/bench, never
committed).

usage:
  python shapes.py quoted IN.csv OUT.csv   # + a text column, quoted on 20% of rows
  python shapes.py retail N IN.csv.gz OUT.csv  # Online Retail N times, ids distinct per copy
"""

import csv
import gzip
import sys


def quoted(src: str, out: str) -> None:
    """The generated rows with a description column after customer_id:
    `"Mug, blue 350ml"` (quoted: it holds the delimiter) on every fifth row,
    a plain word on the others, as shop exports mix them."""
    with open(src, newline="") as f, open(out, "w", newline="") as o:
        header = f.readline().rstrip("\n").split(",")
        at = header.index("customer_id") + 1
        o.write(",".join(header[:at] + ["description"] + header[at:]) + "\n")
        for i, line in enumerate(f):
            fields = line.rstrip("\n").split(",")
            text = '"Mug, blue 350ml"' if i % 5 == 0 else "Teapot"
            o.write(",".join(fields[:at] + [text] + fields[at:]) + "\n")


def retail(copies: int, src: str, out: str) -> None:
    """Online Retail repeated: invoice numbers and customer ids made distinct
    per copy (`536365-3`, `17850` + 100000 x copy), so every copy adds
    customers and orders instead of merging into the first. Quoting as the
    csv module writes it (minimal, like the original)."""
    with gzip.open(src, "rt", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    inv, cust = header.index("InvoiceNo"), header.index("CustomerID")
    with open(out, "w", newline="") as o:
        w = csv.writer(o, lineterminator="\n")
        w.writerow(header)
        for k in range(copies):
            for row in body:
                row = list(row)
                row[inv] = f"{row[inv]}-{k}"
                if row[cust].strip():
                    row[cust] = str(int(float(row[cust])) + 100000 * k)
                w.writerow(row)


if __name__ == "__main__":
    if sys.argv[1] == "quoted":
        quoted(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "retail":
        retail(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
