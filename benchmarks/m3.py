"""The M3 competition, side by side: pybbdl's models, the 24 original competitors, R's forecast package.

Data: ``../shared/data/m3/`` (3,003 series, 37,014 held-out values and the competitors' forecasts;
see ``SOURCES.md`` there; never copied into the repo). Every model's forecasts, the competitors'
included, are scored by the same code (:func:`pybbdl.workflows.panel.score_panel`): pooled sMAPE
over all forecasts (the M3 paper's and N-BEATS' convention), mean-of-series sMAPE and MASE (R
Mcomp's), and OWA relative to the original NAIVE2.

    python benchmarks/m3.py                                  # everything, all 3,003 series
    python benchmarks/m3.py --models theta_m3,damped --limit 300 --jobs 2
    python benchmarks/m3.py --models nbeats --save /tmp/m3fc  # one model, forecasts kept (+ peak memory)
    python benchmarks/m3.py --load /tmp/m3fc --models none    # score saved forecasts with the competitors
    python benchmarks/m3.py --models ets,arima --address HEAD:6379  # the tasks on a Ray cluster

Each pybbdl model runs as its own :func:`forecast_panel` call, so its wall time over the series
is measured alone. ``--r`` adds R's ``forecast::ets`` and ``auto.arima`` through rpy2 (timed, on
``--r-limit`` series, sequentially; the R forecasts are copied out of R's memory, see
BENCHMARKS.md; ``benchmarks/m3_r_peer.R`` runs the same R code without Python). Prints Markdown tables (``--md FILE`` writes them too).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA, machine, require  # noqa: E402

M3 = SHARED_DATA / "m3"
ANCHORS = "THETA 13.05, ForecastPro 13.23, B-J auto 13.99, Auto-ANN 14.23, NAIVE2 15.46 (pooled sMAPE); N-BEATS 12.37"


def model_params(models, args) -> dict:
    """The per-model parameters the command line sets (N-BEATS' steps, batch, ensemble, checkpoints)."""
    if "nbeats" not in models:
        return {}
    params = {"nbeats": {k: v for k, v in (("steps", args.nbeats_steps), ("batch_size", args.nbeats_batch))
                         if v is not None}}
    if args.nbeats_ensemble:
        import json

        ens = args.nbeats_ensemble
        params["nbeats"]["ensemble"] = json.loads(ens) if ens.lstrip().startswith("{") else ens
        params["nbeats"]["progress"] = True
    if args.nbeats_checkpoint:
        params["nbeats"]["checkpoint_dir"] = str(args.nbeats_checkpoint)
    return params


def validation_combinations(names, panel, args, results, walls) -> None:
    """Run the combinations chosen on a validation window (their members fitted on each series'
    training part, and again on it less its last h values; one run per set of members) and add
    their forecasts to `results`. The wall time of a run is given to each of its combinations."""
    from pybbdl.models.registry import get_spec
    from pybbdl.workflows.panel import forecast_panel

    by_members: dict = {}
    for name in names:
        by_members.setdefault(tuple(get_spec(name).defaults["members"]), []).append(name)
    for members, combos in by_members.items():
        start, start_cpu = time.perf_counter(), time.process_time()
        run = forecast_panel(panel, models=list(members), combinations=combos, reference=None, seed=args.seed,
                             seeds=1, params=model_params(members, args), n_jobs=args.jobs, backend=args.backend,
                             address=args.address)
        wall = time.perf_counter() - start
        for name in combos:
            walls[name] = wall
            rows = run.series[run.series["model"] == name].set_index("id")
            for sid, g in run.forecasts[run.forecasts["model"] == name].groupby("id", sort=False):
                results[(name, sid)] = {"mean": g["forecast"].to_numpy(float), "error": "",
                                        "seconds": rows.loc[sid, "seconds"], "note": rows.loc[sid, "note"]}
            for sid, r in rows[rows["error"] != ""].iterrows():
                results[(name, sid)] = {"mean": None, "error": r["error"], "seconds": r["seconds"], "note": ""}
            print(f"{name} (members {', '.join(members)}, chosen on a validation window): equal weights on "
                  f"{int(rows['note'].astype(str).str.startswith('equal weights').sum())} of {len(rows)} series "
                  "(no validation window to be had)", flush=True)
        print(f"{', '.join(combos)}: {wall:.1f} s wall, {time.process_time() - start_cpu:.1f} s CPU (this process) "
              f"for the members and their validation refits, load {os.getloadavg()[0]:.2f}", flush=True)


def fixed_combinations() -> dict:
    """The registry's fixed combinations ``{name: members}`` (the mean of the members' forecasts),
    made from whichever members this run has; those chosen on a validation window run with
    ``--combinations`` (they refit their members on each series' training part less h values)."""
    from pybbdl.models.registry import get_spec, model_names

    return {n: tuple(get_spec(n).defaults["members"]) for n in model_names("combination", without="validation")}


def load_m3(limit: int | None, only: Path | None = None):
    """The M3 long table (optionally every k-th series, so that all frequencies stay in) and the panel."""
    from pybbdl.data.panel import as_panel

    data = pd.read_csv(require(M3 / "m3_series.csv.gz"))
    if only is not None:
        data = data[data["id"].isin(set(only.read_text().split()))]
    if limit:
        ids = pd.unique(data["id"])
        keep = ids[np.linspace(0, len(ids) - 1, min(limit, len(ids))).round().astype(int)]
        data = data[data["id"].isin(keep)]
    panel = as_panel(data, id_col="id", time_col="t", value_col="value", period_col="frequency",
                     horizon_col="horizon", frequency_col="period", part_col="part")
    return data, panel


def competitor_results(ids) -> dict:
    f = pd.read_csv(require(M3 / "m3_original_forecasts.csv.gz"))
    f = f[f["id"].isin(set(ids))].sort_values(["method", "id", "step"])
    out = {}
    for (method, sid), g in f.groupby(["method", "id"], sort=False):
        out[(method, sid)] = {"mean": g["value"].to_numpy(float), "error": "", "seconds": float("nan"), "note": ""}
    return out, list(pd.unique(f["method"]))


def r_results(panel, limit: int, which_models=("ets", "auto.arima")) -> tuple[dict, dict, list]:
    """R's forecast::ets and auto.arima on the first `limit` series of an every-k-th subset, timed."""
    from rpy2 import robjects as ro

    ro.r("suppressPackageStartupMessages(library(forecast))")
    fit = ro.r("""function(y, m, h, which) {
        x <- ts(y, frequency = m)
        tryCatch({
            f <- if (which == "ets") forecast(ets(x), h = h) else forecast(auto.arima(x), h = h)
            as.numeric(f$mean)
        }, error = function(e) conditionMessage(e))  # one failing series gets an error row
    }""")
    series = panel.series
    idx = np.linspace(0, len(series) - 1, min(limit, len(series))).round().astype(int)
    subset = [series[i] for i in idx]
    out, wall, cpu = {}, {}, {}
    for which, label in (("ets", "R ets"), ("arima", "R auto.arima")):
        if label[2:] not in which_models:
            continue
        start, start_cpu = time.perf_counter(), time.process_time()
        for s in tqdm(subset, desc=label, mininterval=30):
            t0 = time.perf_counter()
            got = fit(ro.FloatVector(s.y), s.period, s.horizon, which)
            if isinstance(got, ro.vectors.StrVector):  # R's error message
                out[(label, s.id)] = {"mean": None, "error": f"R: {got[0]}", "seconds": time.perf_counter() - t0,
                                      "note": ""}
                continue
            # a copy: np.asarray would view R memory that R's garbage collector later reuses
            mean = np.array(got, dtype=float)
            out[(label, s.id)] = {"mean": mean, "error": "", "seconds": time.perf_counter() - t0, "note": ""}
        wall[label] = time.perf_counter() - start
        cpu[label] = time.process_time() - start_cpu
        print(f"{label}: {wall[label]:.1f} s wall, {cpu[label]:.1f} s CPU over {len(subset)} series "
              f"(load {os.getloadavg()[0]:.2f})", flush=True)
    return out, wall, cpu, [s.id for s in subset]


def save_results(results: dict, model: str, folder: Path) -> None:
    rows = [{"id": sid, "step": k + 1, "value": v, "seconds": r["seconds"], "error": r["error"]}
            for (m, sid), r in results.items() if m == model
            for k, v in enumerate(r["mean"] if r["mean"] is not None else [np.nan])]
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / f"{model}.csv.gz", index=False)


def load_results(folder: Path) -> tuple[dict, dict]:
    out, wall = {}, {}
    for path in sorted(folder.glob("*.csv.gz")):
        model = path.name[: -len(".csv.gz")]
        f = pd.read_csv(path, keep_default_na=False, na_values=[""])
        for sid, g in f.groupby("id", sort=False):
            err = str(g["error"].iloc[0]) if isinstance(g["error"].iloc[0], str) else ""
            out[(model, str(sid))] = {"mean": None if err else g["value"].to_numpy(float), "error": err,
                                      "seconds": float(g["seconds"].iloc[0]), "note": ""}
        wall_file = folder / f"{model}.wall"
        if wall_file.exists():
            wall[model] = float(wall_file.read_text().split()[0])
    return out, wall


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="naive2,ses,holt,damped,theta_m3,ets,theta,arima,nbeats",
                    help="pybbdl models (comma-separated; 'none' for only the competitors); models this "
                         "install lacks are skipped with a note")
    ap.add_argument("--limit", type=int, help="every k-th series so that N remain (all frequencies kept)")
    ap.add_argument("--ids", type=Path, help="a file of series ids (one per line): run on those only")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--backend", default=None, help="task backend: sequential, loky or ray (pybbdl.parallel)")
    ap.add_argument("--address", default=None, help="a running Ray cluster (HEAD:PORT) to run the tasks on")
    ap.add_argument("--seeds", type=int, default=3, help="seeds of the global model (an ensemble)")
    ap.add_argument("--seed", type=int, default=42, help="the global model's first seed (seeds seed..seed+seeds-1): "
                    "run --seeds 1 --seed 42, then --seed 43 to score two ensembles apart")
    ap.add_argument("--nbeats-steps", type=int, default=None, help="training batches per N-BEATS network")
    ap.add_argument("--nbeats-batch", type=int, default=None, help="windows per N-BEATS training batch")
    ap.add_argument("--nbeats-ensemble", default=None,
                    help="N-BEATS as published: a preset (quick, cpu, paper) or a JSON dict of overrides, e.g. "
                         "'{\"preset\": \"cpu\", \"repeats\": 2}' (pybbdl.models.global_nbeats.ENSEMBLES)")
    ap.add_argument("--nbeats-checkpoint", type=Path, default=None,
                    help="save each trained ensemble member there; a rerun resumes from the members saved")
    ap.add_argument("--levels", default=None,
                    help="interval levels (e.g. 0.8,0.95): each pybbdl model's coverage and mean width (as a "
                         "share of the actual level) are printed")
    ap.add_argument("--combinations", default=None,
                    help="combinations chosen on a validation window, e.g. comb_ivw,comb_select (registered; "
                         "each runs its members again, with their validation refits); the fixed ones "
                         "(comb, comb_etn, ...) are made from the models run or loaded")
    ap.add_argument("--r", action="store_true", help="R's forecast::ets and auto.arima through rpy2 as a timed peer")
    ap.add_argument("--r-models", default="ets,auto.arima", help="R's models for --r: ets, auto.arima or both")
    ap.add_argument("--r-limit", type=int, default=3003, help="series for R's models (every k-th)")
    ap.add_argument("--save", type=Path, help="write each pybbdl model's forecasts to this folder")
    ap.add_argument("--load", type=Path, help="add the forecasts saved in this folder (earlier --save runs)")
    ap.add_argument("--md", type=Path, help="also write the Markdown tables to this file")
    args = ap.parse_args(argv)

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from pybbdl.models.registry import model_names
    from pybbdl.workflows.panel import available_series_models, forecast_panel, score_panel

    validation_names = [c.strip() for c in (args.combinations or "").split(",") if c.strip()]
    allowed = model_names("combination", capability="validation")
    if [c for c in validation_names if c not in allowed] or len(set(validation_names)) != len(validation_names):
        ap.error(f"--combinations must name distinct combinations among {', '.join(allowed)}. "
                 f"Received: {args.combinations!r}")
    t_all = time.perf_counter()
    data, panel = load_m3(args.limit, args.ids)
    ids = panel.ids
    results, walls, notes = {}, {}, []
    if args.load:
        loaded, lw = load_results(args.load)
        results.update({k: v for k, v in loaded.items() if k[1] in set(ids)})
        walls.update(lw)
    have = set(available_series_models())
    wanted = [] if args.models == "none" else [m.strip() for m in args.models.split(",") if m.strip()]
    for m in wanted:
        if m in model_names("series") and m not in have:
            notes.append(f"{m}: not in this install (skipped)")
            continue
        params = model_params([m], args)
        start, start_cpu = time.perf_counter(), time.process_time()
        seeds = args.seeds if m in model_names("global") else 1  # only global models train with seeds
        levels = [float(x) for x in args.levels.split(",")] if args.levels else ()
        run = forecast_panel(panel, models=[m], reference=None, seed=args.seed, seeds=seeds, params=params, n_jobs=args.jobs,
                             backend=args.backend, address=args.address, levels=levels)
        for level in levels:
            from pybbdl.models.series import interval_columns

            lo, hi = interval_columns(level)
            f = run.forecasts
            if lo in f.columns and "actual" in f.columns:
                inside = (f["actual"] >= f[lo]) & (f["actual"] <= f[hi])
                width = ((f[hi] - f[lo]) / f["actual"].abs()).median()
                print(f"{m}: {level:.0%} intervals cover {inside.mean():.1%} of {len(f)} held-out values "
                      f"(median width {width:.1%} of the actual value)", flush=True)
        walls[m] = time.perf_counter() - start
        fc = run.forecasts
        for sid, g in fc.groupby("id", sort=False):
            r = run.series[(run.series["id"] == sid) & (run.series["model"] == m)].iloc[0]
            results[(m, sid)] = {"mean": g["forecast"].to_numpy(float), "error": "", "seconds": r["seconds"],
                                 "note": r["note"]}
        for _, r in run.series[run.series["error"] != ""].iterrows():
            results[(m, r["id"])] = {"mean": None, "error": r["error"], "seconds": r["seconds"], "note": ""}
        members = [{"group": g, "seed": sd, **row} for (mm, g, sd), h in run.histories.items() if mm == m and h
                   and "members" in h for row in h["members"]]
        if members:
            mt = pd.DataFrame(members)
            print(f"{m}: {len(mt)} ensemble members ({int(mt['resumed'].sum())} resumed from checkpoints); "
                  f"trained ones: {mt['seconds'][~mt['resumed']].sum():.0f} s wall, "
                  f"{mt['cpu_seconds'][~mt['resumed']].sum():.0f} s CPU, worker peak RSS "
                  f"{mt['peak_rss_mib'].max():.0f} MiB (resumed members: as recorded when trained); per frequency "
                  f"(mean s per member, steps):\n"
                  + mt.groupby("frequency")[["seconds", "cpu_seconds", "steps"]].mean().round(1).to_string(),
                  flush=True)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                mt.to_csv(args.save / f"{m}.members.csv", index=False)
        print(f"{m}: {walls[m]:.1f} s wall, {time.process_time() - start_cpu:.1f} s CPU (this process) over "
              f"{len(ids)} series, load {os.getloadavg()[0]:.2f} "
              f"(peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)", flush=True)
        if args.save:
            save_results(results, m, args.save)
            (args.save / f"{m}.wall").write_text(f"{walls[m]:.3f} s, {len(ids)} series, jobs {args.jobs}\n")
    validation_combinations(validation_names, panel, args, results, walls)
    for name in validation_names:
        if args.save:
            save_results(results, name, args.save)
            (args.save / f"{name}.wall").write_text(f"{walls[name]:.3f} s, {len(ids)} series, jobs {args.jobs}\n")
    r_ids = None
    if args.r:
        r_models = [m.strip() for m in args.r_models.split(",") if m.strip()]
        if not r_models or set(r_models) - {"ets", "auto.arima"}:
            ap.error(f"--r-models must name ets and/or auto.arima. Received: {args.r_models!r}")
        rres, rwall, rcpu, r_ids = r_results(panel, args.r_limit, r_models)
        results.update(rres)
        walls.update(rwall)
        if args.save:
            for label, wall in rwall.items():
                save_results(rres, label, args.save)
                (args.save / f"{label}.wall").write_text(
                    f"{wall:.3f} s, {len(r_ids)} series, sequential; {rcpu[label]:.3f} s CPU\n")
    elif any(m == "R ets" for m, _ in results):
        r_ids = [sid for sid in ids if ("R ets", sid) in results]
    ours = list(dict.fromkeys(m for m, _ in results))
    for name, members in fixed_combinations().items():
        if all(mm in ours for mm in members):
            for sid in ids:
                rs = [results.get((mm, sid)) for mm in members]
                bad = [mm for mm, r in zip(members, rs) if r is None or r["mean"] is None]
                results[(name, sid)] = ({"mean": None, "error": f"member(s) failed: {bad}", "seconds": 0.0, "note": ""}
                                        if bad else {"mean": np.mean([r["mean"] for r in rs], axis=0), "error": "",
                                                     "seconds": float(sum(r["seconds"] for r in rs)), "note": ""})
            ours.append(name)
    comp, methods = competitor_results(ids)
    results.update(comp)
    models = ours + methods
    series_table, forecasts, table = score_panel(panel, results, models, reference="NAIVE2")
    rows = table[table["frequency"] == "overall"].set_index("model")
    freq = table.pivot(index="model", columns="frequency", values="smape_pooled")

    n_fc = int(series_table.loc[series_table["model"] == "NAIVE2", "horizon"].sum())
    out = [f"M3: {len(ids)} series, {n_fc} forecasts; "
           f"machine: {machine()}; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
           f"{os.getloadavg()[2]:.2f} at the end; jobs {args.jobs}; anchors: {ANCHORS}", ""]
    cols = ["model", "source", "n_series", "smape_pooled", "smape_mean", "mase", "owa", "YEARLY", "QUARTERLY",
            "MONTHLY", "OTHER", "wall_s"]
    lines = []
    partial = [m for m in ours if m in rows.index and rows.loc[m, "n_series"] < len(ids)]
    for m in models:
        if m not in rows.index or m in partial:
            continue
        r = rows.loc[m]
        src = "competitor" if m in methods else ("R forecast" if m.startswith("R ") else "pybbdl")
        lines.append({"model": m, "source": src, "n_series": int(r["n_series"]), "smape_pooled": r["smape_pooled"],
                      "smape_mean": r["smape_mean"], "mase": r["mase"], "owa": r["owa"],
                      **{f: freq.loc[m].get(f, np.nan) for f in ("YEARLY", "QUARTERLY", "MONTHLY", "OTHER")},
                      "wall_s": walls.get(m, np.nan)})
    tab = pd.DataFrame(lines, columns=cols).sort_values("smape_pooled")
    from pybbdl.reports import markdown_table

    out.append("Overall (sMAPE pooled over all forecasts; per-frequency columns are pooled sMAPE too):\n")
    out.append(markdown_table(tab, digits=2))
    if partial and r_ids is None:  # a subset run without R: the series every partial model covers
        covered = [sid for sid in ids if all(results.get((m, sid), {}).get("mean") is not None for m in partial)]
        r_ids = covered
    if partial:
        out.append(f"\nOn a subset only (not in the table above): {', '.join(partial)}")
    if r_ids is not None and len(r_ids) < len(ids):
        sub = series_table[series_table["id"].isin(r_ids)]
        pts = forecasts[forecasts["id"].isin(r_ids)].copy()
        from pybbdl.evaluation.scale_free import aggregate_scores, smape

        pts["smape"] = smape(pts["actual"].to_numpy(), pts["forecast"].to_numpy())
        st = aggregate_scores(sub, pts[["model", "id", "smape"]], reference="NAIVE2")
        st = st[st["frequency"] == "overall"].sort_values("smape_pooled")
        st = st[st["n_series"] == len(r_ids)].copy()
        st["wall_s"] = [walls.get(m, np.nan) for m in st["model"]]
        st["series_timed"] = [int(series_table.loc[(series_table["model"] == m) & (series_table["error"] == ""),
                                                    "id"].nunique()) for m in st["model"]]
        out.append(f"\nOn the {len(r_ids)} series every model covers (every k-th series; wall_s is over "
                   f"series_timed series, sequential):\n")
        out.append(markdown_table(st[["model", "n_series", "smape_pooled", "smape_mean", "mase", "owa", "wall_s",
                                      "series_timed"]], digits=2))
    if notes:
        out.append("\nNotes: " + "; ".join(notes))
    out.append(f"\nTotal wall time {time.perf_counter() - t_all:.0f} s; peak RSS "
               f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    text = "\n".join(out)
    print(text)
    if args.md:
        args.md.write_text(text + "\n")
    failed = series_table[(series_table["error"] != "") & series_table["model"].isin(ours)]
    if len(failed):
        print(f"\n{len(failed)} failed model x series fits, e.g.:\n"
              + failed.head(5)[["id", "model", "error"]].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
