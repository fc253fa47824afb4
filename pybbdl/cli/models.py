"""`pybbdl models`: list the registered models (pybbdl.models.registry) with their contracts,
capabilities, defaults and the run-wide settings they take."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    from pybbdl.models.registry import CAPABILITIES, CONTRACTS

    caps = "\n".join(f"  {k:<14} {v}" for k, v in CAPABILITIES.items())
    p = sub.add_parser("models", help="list the models pybbdl knows (names for --models)",
                       description="List the registered models: name, family, contracts (windows: compare/backtest; "
                                   "series: panels; global: panels, trained across series), capabilities, defaults "
                                   "and the run-wide settings each takes.",
                       epilog="capabilities:\n" + caps, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--contract", choices=list(CONTRACTS), help="only models that follow this contract")
    p.add_argument("--capability", choices=list(CAPABILITIES), help="only models with this capability")
    p.add_argument("--csv", action="store_true", help="print the table as CSV")


def run(args) -> int:
    from pybbdl.models.registry import model_names, model_table
    from pybbdl.reports import format_table

    table = model_table()
    keep = set(model_names(args.contract, capability=args.capability))
    table = table[table["model"].isin(keep)]
    if args.csv:
        print(table.to_csv(index=False), end="")
    else:
        print(format_table(table.drop(columns=["defaults"])))
    return 0
