"""`pybbdl metrics`: list the registered metrics (pybbdl.evaluation.metrics), the one list the
comparison tables, reports and panel scores read."""

from __future__ import annotations


def add_parser(sub) -> None:
    from pybbdl.evaluation.metrics import KINDS

    p = sub.add_parser("metrics", help="list the metrics pybbdl scores (columns of the result tables)",
                       description="List the registered metrics: name (as in the long table's metric column, before "
                                   "_<level> or _vs_<baseline>), kind, label, whether lower or higher is better, what "
                                   "each needs, where it is scored (compare: forecast comparisons and backtests; "
                                   "panel: panels) and what it is.")
    p.add_argument("--kind", choices=list(KINDS), help="only metrics of this kind")
    p.add_argument("--csv", action="store_true", help="print the table as CSV")


def run(args) -> int:
    from pybbdl.evaluation.metrics import metric_table
    from pybbdl.reports import format_table

    table = metric_table()
    if args.kind:
        table = table[table["kind"] == args.kind]
    if args.csv:
        print(table.to_csv(index=False), end="")
    else:
        print(format_table(table.drop(columns=["builtin"])))
    return 0
