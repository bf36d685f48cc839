#!/usr/bin/env python3
"""Deterministic, deliberately nasty order-line CSV for the SQL equality tests.

    python3 tests/engines/gen_orders.py ROWS SEED > orders.csv

Standard library only; the same ROWS and SEED give the same bytes (everything
is drawn from one random.Random(SEED), nothing depends on the clock, the locale
or hash ordering). Header: Order No,Customer ID,Order Date,Amount; ROWS data
rows; '\\n' line ends; fields quoted by the csv module only when needed.

What it exercises (docs/method.md):
- about ROWS/12 customers, each with at least one order, the other orders
  drawn with a Zipf-like weight: many customers buy once, a few very often,
  so frequency and recency are full of ties; popular price points add ties
  in monetary;
- ids `C00042`, purely numeric with leading zeros `00042`, a few unpadded
  numeric `42`, and a few whose sort order depends on the collation
  (`c00042`, `C-00042`, `C_00042`, `Ö00042`, `C,00042` with a comma);
- about 1% of customers with an e-mail address as id, written in lower,
  upper or capitalised case on different rows (one customer);
- about 2% of rows with ASCII spaces around the customer id (` C00042 `
  is C00042), about 1% with an empty (or all-spaces) customer id;
- orders of 1-4 lines sharing order number and customer, some lines dated up
  to two days after the first (the order's date is its earliest line's);
  order numbers now and then reused by another customer (a different order);
  about 2% of rows with an empty order number (an order of its own each);
  a few order numbers with spaces around them or a comma/quote inside;
- timestamps YYYY-MM-DD HH:MM:SS within 2024-01-01..2025-12-31;
- amounts with 0-3 decimals (`7`, `0.50`, `12.3`, `-12.345`), about 4% of
  rows negative (whole returns and single returned lines), a few zero lines,
  orders whose lines net to exactly 0, and customers who only ever return
  (never scored);
- rows mostly in date order, with some lines of an order moved elsewhere.
"""

import csv
import datetime as dt
import math
import sys

import random

START = dt.datetime(2024, 1, 1, 0, 0, 0)
END = dt.datetime(2025, 12, 31, 23, 59, 59)
SPAN = int((END - START).total_seconds())  # seconds; START + SPAN = END

# Popular prices (in thousandths, decimals to print): ties in monetary.
PRICE_POINTS = [(5000, 0), (9990, 2), (10000, 0), (19990, 2), (25000, 2),
                (49500, 1), (100000, 0), (500, 2), (7000, 0), (12345, 3)]


def customer_ids(rng, n):
    """n distinct customer ids; index 1..n, the id's shape drawn per customer."""
    ids = []
    for i in range(1, n + 1):
        u = rng.random()
        if u < 0.80:
            ids.append("C%05d" % i)
        elif u < 0.90:
            ids.append("%05d" % i)       # numeric with leading zeros
        elif u < 0.93:
            ids.append("%d" % i)         # numeric without: "42" is not "00042"
        elif u < 0.96:
            ids.append("c%05d" % i)      # lower case sorts after every "C..."
        elif u < 0.975:
            ids.append("C-%05d" % i)     # punctuation: collations may skip it
        elif u < 0.98:
            ids.append("C_%05d" % i)
        elif u < 0.99:
            ids.append("ann%05d@shop.example" % i)  # e-mail: any case is one customer
        elif u < 0.997:
            ids.append("\u00d6%05d" % i)  # non-ASCII: UTF-8 byte order
        else:
            ids.append("C,%05d" % i)     # comma: quoted in CSV
    return ids


def zipf_cum_weights(rng, n, s=0.9):
    """Cumulative Zipf weights over customer indexes 0..n-1 in random order."""
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    cum, total = [], 0.0
    for r in ranks:
        total += 1.0 / r ** s
        cum.append(total)
    return cum


def amount_text(units, decimals):
    """units are thousandths; printed with exactly `decimals` decimals."""
    step = 10 ** (3 - decimals)
    assert units % step == 0
    v = units // step
    sign = "-" if v < 0 else ""
    v = abs(v)
    if decimals == 0:
        return "%s%d" % (sign, v)
    q, r = divmod(v, 10 ** decimals)
    return "%s%d.%0*d" % (sign, q, decimals, r)


def line_amount(rng):
    """(thousandths, decimals) of a positive line amount."""
    if rng.random() < 0.2:
        return PRICE_POINTS[rng.randrange(len(PRICE_POINTS))]
    decimals = rng.choices((0, 1, 2, 3), cum_weights=(20, 30, 90, 100))[0]
    step = 10 ** (3 - decimals)
    # log-uniform number of smallest units: 1 .. ~60000
    n = max(1, int(math.exp(rng.uniform(0.0, 11.0))))
    if decimals == 0:
        n = max(1, n // 100)  # whole amounts: 1 .. ~600
    return n * step, decimals


def stamp(seconds):
    return (START + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen_orders.py ROWS SEED")
    rows_wanted, seed = int(sys.argv[1]), int(sys.argv[2])
    if rows_wanted < 0:
        sys.exit("ROWS must be >= 0")
    rng = random.Random(seed)
    n_cust = max(1, rows_wanted // 12)
    ids = customer_ids(rng, n_cust)
    cum = zipf_cum_weights(rng, n_cust)
    first_pass = list(range(n_cust))
    rng.shuffle(first_pass)
    # Customers who only ever return: ~0.5%, at least one.
    returners = set(rng.sample(range(n_cust), max(1, n_cust // 200)))

    lines = []            # (sort key seconds, tiebreak, [fields])
    used = {}             # order number -> set of customer indexes
    numbers = []          # order numbers issued, for reuse
    k = 0
    while len(lines) < rows_wanted:
        cust = first_pass[k] if k < n_cust else rng.choices(
            range(n_cust), cum_weights=cum)[0]
        k += 1
        # Order number: new, or (1%) one already used by another customer.
        number = None
        if numbers and rng.random() < 0.01:
            cand = numbers[rng.randrange(len(numbers))]
            if cust not in used[cand]:
                number = cand
        if number is None:
            u = rng.random()
            if u < 0.003:
                number = "W,%d" % (500000 + k)   # comma: quoted
            elif u < 0.005:
                number = 'Q"%d' % (500000 + k)  # quote: doubled
            else:
                number = "%d" % (500000 + k)
            numbers.append(number)
            used[number] = set()
        used[number].add(cust)

        n_lines = rng.choices((1, 2, 3, 4), cum_weights=(45, 75, 90, 100))[0]
        base = rng.randrange(SPAN + 1)
        spread = rng.random() < 0.15     # lines over a day or two
        kind = rng.random()
        whole_return = cust in returners or kind < 0.025
        net_zero = not whole_return and n_lines >= 2 and kind > 0.985
        amounts = []
        for j in range(n_lines):
            units, dec = line_amount(rng)
            if whole_return or (j > 0 and rng.random() < 0.02):
                units = -units
            elif rng.random() < 0.004:
                units = 0
            amounts.append((units, dec))
        if net_zero:
            rest = sum(u for u, _ in amounts[:-1])
            dec = max(d for _, d in amounts[:-1])
            amounts[-1] = (-rest, dec)
            if rest == 0:
                amounts[-1] = (0, 0)
        if whole_return and rng.random() < 0.5:
            number_text = "R" + number   # cancellation style, a new order number
        else:
            number_text = number
        for j, (units, dec) in enumerate(amounts):
            t = base
            if spread and j > 0:
                t = base + rng.randrange(0, 2 * 86400)
                if t > SPAN:
                    t = SPAN
            elif j > 0:
                t = base + rng.randrange(0, 120)
                if t > SPAN:
                    t = SPAN
            cid = ids[cust]
            if "@" in cid:
                # As typed at checkout: lower, upper or capitalised.
                cid = rng.choice((cid, cid.upper(), cid.capitalize()))
            u = rng.random()
            if u < 0.01:
                cid = rng.choice(("", "", " ", "   "))  # no customer: dropped
            elif u < 0.03:
                cid = rng.choice((" %s", "%s ", " %s ", "  %s  ")) % cid
            on = number_text
            u = rng.random()
            if u < 0.02:
                on = rng.choice(("", "", " "))          # an order of its own
            elif u < 0.025:
                on = rng.choice((" %s", "%s ", " %s ")) % on
            key = t
            if rng.random() < 0.03:
                key = rng.randrange(SPAN + 1)           # scattered line
            lines.append((key, len(lines), [on, cid, stamp(t), amount_text(units, dec)]))
            if len(lines) == rows_wanted:
                break

    lines.sort(key=lambda x: (x[0], x[1]))
    sys.stdout.reconfigure(encoding="utf-8", newline="")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["Order No", "Customer ID", "Order Date", "Amount"])
    for _, _, fields in lines:
        out.writerow(fields)


if __name__ == "__main__":
    main()
