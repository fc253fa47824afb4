"""Training one member of an N-BEATS ensemble (:func:`train_member`, a module-level, picklable task
for :func:`pybbdl.parallel.run_tasks`), with its checkpoint (a member saved for the same settings
and data is loaded, not retrained), and a member network's forecasts from each series' last window.
"""

from __future__ import annotations

import time

import numpy as np

from pybbdl.models.nbeats_intervals import calibration_histories
from pybbdl.models.nbeats_networks import _loss_fn, build_nbeats_paper
from pybbdl.models.nbeats_samplers import PaperSampler


def _member_key(cfg: dict, fingerprint: str) -> str:
    import hashlib
    import json

    blob = json.dumps({**cfg, "data": fingerprint}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def train_member(task: dict) -> dict:
    """Train one ensemble member (a module-level task for :func:`pybbdl.parallel.run_tasks`): its
    forecasts from the last window and from the calibration origins, steps, seconds and, without a
    checkpoint folder, its weights. With ``checkpoint_dir``, a member already saved there for the
    same settings and data is loaded instead of trained (so a resumed ensemble equals an
    uninterrupted one), and a trained one is saved before returning."""
    import json
    import os
    from pathlib import Path

    cfg, ys = task["config"], task["ys"]
    key = _member_key(cfg, task["fingerprint"])
    path = Path(task["checkpoint_dir"]) / f"member-{key}.npz" if task.get("checkpoint_dir") else None
    if path is not None and path.exists():
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("key") == key:
                return {"config": cfg, "key": key, "forecast": z["forecast"], "calib": z["calib"],
                        "steps": meta["steps"], "seconds": meta["seconds"], "loss": meta["loss"], "resumed": True,
                        "cpu_seconds": meta.get("cpu_seconds"), "peak_rss_mib": meta.get("peak_rss_mib"),
                        "threads": meta.get("threads"), "weights": None, "checkpoint": str(path)}
    from pybbdl._tensorflow import import_tensorflow_quietly

    import_tensorflow_quietly()
    import keras

    from pybbdl.models.neural import op_determinism, seed_everything

    start, cpu0 = time.perf_counter(), time.process_time()
    h, lookback = cfg["horizon"], cfg["lookback_mult"] * cfg["horizon"]
    sampler = PaperSampler(ys, lookback, h, cfg["period"], cfg["batch_size"], cfg["history_limit"], cfg["seed"])
    seed_everything(cfg["seed"])

    class _Batches(keras.utils.PyDataset):
        def __len__(self):
            return cfg["steps"]

        def __getitem__(self, i):
            return sampler.batch(i)

    with op_determinism(True):
        model = build_nbeats_paper(cfg["stack"], lookback, h, cfg["network"])
        schedule = keras.optimizers.schedules.ExponentialDecay(cfg["learning_rate"], max(1, cfg["steps"] // 3), 0.5,
                                                               staircase=True)
        model.compile(optimizer=keras.optimizers.Adam(schedule, global_clipnorm=1.0),
                      loss=_loss_fn(cfg["loss"], h))
        hist = model.fit(_Batches(), epochs=1, verbose=0, shuffle=False,
                         callbacks=[keras.callbacks.TerminateOnNaN()])
        forecast = _predict(model, ys, lookback, h)
        _, calib_hist = calibration_histories(ys, h)
        calib = _predict(model, calib_hist, lookback, h) if calib_hist else np.zeros((0, h), np.float32)
    import resource

    out = {"config": cfg, "key": key, "forecast": forecast, "calib": calib, "steps": int(cfg["steps"]),
           "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu0,
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "threads": _tf_threads(),
           "loss": [float(v) for v in hist.history.get("loss", [])], "resumed": False,
           "weights": None if path is not None else [w.copy() for w in model.get_weights()], "checkpoint": None}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
        np.savez(tmp, forecast=forecast, calib=calib, meta=np.array(json.dumps(
            {"key": key, "config": cfg, "loss": out["loss"],
             **{k: out[k] for k in ("steps", "seconds", "cpu_seconds", "peak_rss_mib", "threads")}})))
        model.save_weights(str(path.with_suffix(".weights.h5")))  # first: a saved member always has weights
        os.replace(tmp, path)  # atomic: an interrupted save leaves no half member
        out["checkpoint"] = str(path)
    if task.get("progress"):
        print(f"nbeats member {task['index'] + 1}/{task['total']} ({cfg['frequency']}, {cfg['stack']}, {cfg['loss']}, "
              f"lookback {cfg['lookback_mult']}H, repeat {cfg['repeat']}): {out['steps']} steps of "
              f"{cfg['batch_size']} in {out['seconds']:.1f} s ({out['cpu_seconds']:.1f} s CPU)", flush=True)
    return out


def _tf_threads() -> int:
    """TensorFlow's intra-op threads in this process (0: its default, all cores). Members trained
    with the same seed and thread count are identical; loky's and Ray's workers use 1 thread."""
    import os

    import tensorflow as tf

    set_ = int(tf.config.threading.get_intra_op_parallelism_threads())
    return set_ or int(os.environ.get("TF_NUM_INTRAOP_THREADS", "0") or 0)


def _predict(model, ys, lookback: int, horizon: int) -> np.ndarray:
    sampler = PaperSampler(ys, lookback, horizon, 1, 1, 1, 0)
    x, mask, scale = sampler.last()
    from keras import ops

    out = [ops.convert_to_numpy(model([x[i:i + 4096], mask[i:i + 4096]], training=False))
           for i in range(0, len(x), 4096)]  # called, not predict(): no retracing per member
    return (np.concatenate(out) * scale).astype(np.float64)
