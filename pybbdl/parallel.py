"""Independent, picklable tasks (model x seed x fold x series) run one after another or in parallel.

:func:`run_tasks` is the one door every workflow uses: ``n_jobs=1`` runs the tasks in this
process, in order (today's numbers, bit for bit). The other backends hand the same tasks to
existing machinery, nothing home-made:

* ``"loky"``: `joblib <https://joblib.readthedocs.io>`_ worker processes on this machine
  (``n_jobs`` of them, see below). Each worker runs one thread of TensorFlow and BLAS, so ``n_jobs``
  workers use ``n_jobs`` cores.
* ``"ray"``: `Ray <https://docs.ray.io>`_ (``pip install pybbdl[ray]``). ``address=None``
  starts a private local Ray with ``n_jobs`` CPUs for the call (see below); ``address="HOST:PORT"`` (or
  ``"auto"``, ``"ray://HOST:10001"``) connects to a running cluster (``ray start --head``) and
  Ray spreads the tasks over all its CPUs, one CPU per task. pybbdl must be importable on every
  node. A Ray session the caller opened with ``ray.init`` is used as it is and left open.

``fresh_process=True`` runs each task in a new worker process that ends with it (the standard
library's ``ProcessPoolExecutor`` with ``max_tasks_per_child=1`` over loky's start method, which
does not re-run the caller's script; on Ray, ``max_calls=1``): for tasks that leave memory behind,
as TensorFlow does for every network trained (N-BEATS ensemble members run so).

Local workers (loky, a private local Ray) never outnumber the tasks, nor the cores this process
may use (:func:`available_cores`: CPU affinity and container quotas count) unless the environment
variable ``PYBBDL_ALLOW_OVERSUBSCRIBE=1`` allows it; :func:`effective_workers` says how many start,
and a warning says so when the cores cap ``n_jobs``.

Results come back in task order whatever the backend and the order of completion. A task that
raises stops the run: its exception is re-raised in the caller, same type, with a note naming the
task (``task.label`` when the task has one, else its ``repr``) and, from a worker, the worker's
traceback.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import sysconfig
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError, ArgumentTypeError, MissingDependencyError, PybbdlError

#: Backends :func:`run_tasks` knows.
BACKENDS = ("sequential", "loky", "ray")
#: Thread settings of each worker process (one core per worker).
WORKER_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
#: Set to 1 to let local workers outnumber the cores (never the tasks): see :func:`effective_workers`.
OVERSUBSCRIBE_ENV = "PYBBDL_ALLOW_OVERSUBSCRIBE"
_RAY_INSTALL = "The ray backend needs Ray: `pip install pybbdl[ray]` (or `pip install ray`)."


class ParallelError(PybbdlError, RuntimeError):
    """A backend could not run the tasks (e.g. a Ray cluster that cannot be reached)."""


def resolve_backend(n_jobs: int = 1, backend: str | None = None, address: str | None = None) -> str:
    """The backend :func:`run_tasks` uses: `backend`, or when None ``"ray"`` if an `address` is
    given, ``"loky"`` if ``n_jobs > 1``, else ``"sequential"``."""
    check_positive_int("n_jobs", n_jobs)
    if address is not None:
        _split_address(address)
    if backend is None:
        return "ray" if address is not None else ("loky" if n_jobs > 1 else "sequential")
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ArgumentError(f"`backend` must be one of {', '.join(BACKENDS)}. Received: {backend!r}")
    if address is not None and backend != "ray":
        raise ArgumentError(f"`address` (a Ray cluster) needs backend='ray' (or backend=None). "
                            f"Received: backend={backend!r}, address={address!r}")
    return backend


def _split_address(address) -> tuple[str, int] | None:
    """``(host, port)`` of a Ray address (None for ``"auto"`` or a bare host, which Ray resolves);
    a blank address or a port that is not a number 1-65535 is refused."""
    if not isinstance(address, str) or not address.strip():
        raise ArgumentError(f"`address` must be a Ray cluster address such as 'HOST:6379', 'auto' or "
                            f"'ray://HOST:10001'. Received: {address!r}")
    hostport = address.strip().split("://", 1)[-1].rstrip("/")
    if address.strip() == "auto" or ":" not in hostport:
        return None
    host, _, port = hostport.rpartition(":")
    if not port.isdigit() or not 1 <= int(port) <= 65535 or not host.strip("[]"):
        raise ArgumentError(f"`address` must end with a port number 1-65535, e.g. 'HOST:6379'. "
                            f"Received: {address!r}")
    return host.strip("[]"), int(port)


def available_cores() -> int:
    """The cores this process may use: joblib's count, which honours CPU affinity and container
    (cgroup) quotas, not only the machine's total."""
    try:
        from joblib import cpu_count

        return max(1, int(cpu_count()))
    except Exception:  # pragma: no cover - joblib comes with pybbdl's install
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def effective_workers(n_jobs: int, n_tasks: int, *, warn: bool = False) -> int:
    """Local worker processes that :func:`run_tasks` starts for `n_tasks` tasks: `n_jobs`, but
    never more than the tasks (an idle worker only costs memory), nor more than
    :func:`available_cores` unless ``PYBBDL_ALLOW_OVERSUBSCRIBE=1`` is set. With `warn`, a
    UserWarning says when the cores lower `n_jobs`."""
    n_jobs = check_positive_int("n_jobs", n_jobs)
    workers = min(n_jobs, max(1, int(n_tasks)))
    if os.environ.get(OVERSUBSCRIBE_ENV, "").strip().lower() in ("1", "true", "yes"):
        return workers
    cores = available_cores()
    if workers > cores:
        if warn:
            warnings.warn(f"`n_jobs`={n_jobs} is more than the {cores} cores this process may use: running "
                          f"{cores} worker processes (set {OVERSUBSCRIBE_ENV}=1 to start more workers than cores).",
                          UserWarning, stacklevel=3)
        workers = cores
    return workers


def run_tasks(fn: Callable, tasks: Sequence, *, n_jobs: int = 1, backend: str | None = None,
              address: str | None = None, progress: bool = False, desc: str | None = None,
              fresh_process: bool = False, exclusive: Sequence[bool] | None = None) -> list:
    """``[fn(task) for task in tasks]``, in task order, possibly in parallel.

    Args:
        fn: A module-level (picklable) function of one argument.
        tasks: Picklable task descriptions.
        n_jobs: Worker processes (``"loky"``, local ``"ray"``); 1 with no backend runs in this process.
            At most one per task and, unless ``PYBBDL_ALLOW_OVERSUBSCRIBE=1``, one per core
            (:func:`effective_workers`; a warning says when the cores lower it).
        backend: How to run them (:data:`BACKENDS`); None = ``"ray"`` with an `address`,
            ``"loky"`` when ``n_jobs > 1``, else ``"sequential"`` (see :func:`resolve_backend`).
        address: A Ray cluster's address (``"HOST:PORT"``, ``"auto"``, ``"ray://HOST:PORT"``).
        progress: Show a progress bar (tqdm) that moves as tasks complete.
        desc: The progress bar's label.
        fresh_process: Run each task in a new worker process, which ends with the task, for tasks
            whose memory is not given back when they end (TensorFlow keeps about 40 MB per trained
            network in the process, so a worker that trains network after network grows by GBs).
            ``"loky"``: the standard library's ``ProcessPoolExecutor`` (spawned workers,
            ``max_tasks_per_child=1``), `fn` and tasks picklable by :mod:`pickle`; ``"ray"``: the
            task's worker is retired after it (``max_calls=1``); ``"sequential"``: no effect
            (the tasks run in this process). Each new process pays its imports (TensorFlow: a few
            seconds).
        exclusive: One bool per task, or None: tasks marked True never run two at a time (tasks
            whose peak memory is large: their peaks do not add up), and the first of them waiting
            starts as soon as none runs, ahead of unmarked tasks (a chain of them is the longest
            path); unmarked tasks fill the other workers. Every backend honours it (on Ray: at
            most one marked task is submitted at a time, anywhere in the cluster). Results are
            returned in task order whatever order the tasks ran in.

    Raises:
        ArgumentError: n_jobs < 1, an unknown backend, an address without Ray.
        MissingDependencyError: backend ``"ray"`` without Ray installed.
        ParallelError: the Ray cluster at `address` cannot be reached.
        Exception: the first failing task's own exception, with a note naming the task.
    """
    backend = resolve_backend(n_jobs, backend, address)
    n_jobs = int(n_jobs)
    if not callable(fn):
        raise ArgumentTypeError(f"`fn` must be a function of one task. Received: {type(fn).__name__}")
    if not isinstance(fresh_process, bool):
        raise ArgumentTypeError(f"`fresh_process` must be True or False. Received: {fresh_process!r}")
    tasks = list(tasks)
    exclusive = _check_exclusive(exclusive, len(tasks))
    if not tasks:
        return []
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc=desc, leave=False, disable=not progress)
    try:
        if backend == "sequential":
            return _run_sequential(fn, tasks, bar)
        _own_libpython_first()
        if backend == "loky" or (backend == "ray" and address is None and not _ray_is_initialized()):
            n_jobs = effective_workers(n_jobs, len(tasks), warn=True)
        if backend == "loky":
            if fresh_process or any(exclusive):
                return _run_pool(fn, tasks, n_jobs, bar, fresh_process, exclusive)
            return _run_loky(fn, tasks, n_jobs, bar)
        return _run_ray(fn, tasks, n_jobs, address, bar, fresh_process, exclusive)
    finally:
        bar.close()


def worker_environment(env: Mapping | None = None) -> dict:
    """The environment for Python worker processes: `env` (default ``os.environ``) with this
    interpreter's own library folder first on ``LD_LIBRARY_PATH``.

    Embedding R (rpy2 in Python, or R calling Python through reticulate) puts R's library paths,
    such as ``/usr/lib/x86_64-linux-gnu``, on ``LD_LIBRARY_PATH``. A Python worker started from
    that environment can load the system's ``libpython`` of the same minor version instead of
    this interpreter's and then fail far away (a missing ``RLock._recursion_count`` in
    multiprocessing, an undefined symbol in ``_ssl``). Use it for any process that runs this
    Python: ``subprocess.run([...ray start...], env=worker_environment())``.
    """
    env = dict(os.environ if env is None else env)
    ld = env.get("LD_LIBRARY_PATH")
    libdir = sysconfig.get_config_var("LIBDIR")
    if ld and libdir and sysconfig.get_config_var("Py_ENABLE_SHARED"):
        own = os.path.realpath(libdir)
        rest = [p for p in ld.split(os.pathsep) if p and os.path.realpath(p) != own]
        env["LD_LIBRARY_PATH"] = os.pathsep.join([libdir, *rest])
    return env


def _own_libpython_first() -> None:
    """Workers (loky's, a local Ray's) inherit ``os.environ``: see :func:`worker_environment`.
    Kept after the call, since joblib reuses its worker pool and may start workers later."""
    fixed = worker_environment().get("LD_LIBRARY_PATH")
    if fixed is not None and fixed != os.environ.get("LD_LIBRARY_PATH"):
        os.environ["LD_LIBRARY_PATH"] = fixed


def task_label(task, index: int, total: int) -> str:
    """How errors name a task: ``task.label`` when it has one; for a dict, its short scalar
    entries (``label``, ``id``, ``model``, ``seed``, ...; arrays left out); else its repr."""
    label = getattr(task, "label", None)
    if label is None and isinstance(task, Mapping):
        label = ", ".join(f"{k}={v!r}" for k, v in task.items()
                          if isinstance(v, (str, int, float)) and len(repr(v)) <= 60) or None
    text = str(label) if label is not None else repr(task)
    if len(text) > 300:
        text = text[:300] + "..."
    return f"task {index + 1} of {total} ({text})"


def _named(exc: BaseException, task, index: int, total: int, remote_tb: str | None = None) -> BaseException:
    note = f"pybbdl.parallel: raised by {task_label(task, index, total)}"
    if remote_tb:
        note += f"; worker traceback:\n{remote_tb.rstrip()}"
    exc.add_note(note)
    return exc


def _run_sequential(fn, tasks, bar) -> list:
    out = []
    for i, task in enumerate(tasks):
        try:
            out.append(fn(task))
        except Exception as exc:
            _named(exc, task, i, len(tasks))
            raise
        bar.update(1)
    return out


# ---------------------------------------------------------------------------------------- workers
_WORKER_READY = False


def limit_worker_threads() -> None:
    """One thread of BLAS/OpenMP and TensorFlow in this (worker) process; once per process."""
    global _WORKER_READY
    if _WORKER_READY:
        return
    os.environ.update(WORKER_THREAD_ENV)  # read by TensorFlow and BLAS libraries loaded from now on
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)  # libraries already loaded (numpy's BLAS)
    except ImportError:  # pragma: no cover - threadpoolctl comes with joblib's usual installs
        pass
    if "tensorflow" in sys.modules:  # imported before the environment was set (a reused worker)
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(1)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # TensorFlow already started its thread pools: they stay as they are
            pass
    _WORKER_READY = True


class _Failure:
    """A task's exception, carried back from a worker (picklable even when the exception is not)."""

    def __init__(self, exc: BaseException):
        self.traceback = "".join(traceback.format_exception(exc))
        try:
            pickle.loads(pickle.dumps(exc))
            self.exc = exc
        except Exception:  # an exception that cannot travel: its type name and message do
            self.exc = RuntimeError(f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}")


def call_in_worker(fn, index: int, task):
    """``(index, fn(task))`` in a worker process with its threads limited; a raised exception
    comes back as a value so that the caller re-raises it with the task named."""
    limit_worker_threads()
    try:
        return index, fn(task)
    except Exception as exc:
        return index, _Failure(exc)


def call_in_ray_worker(fn, index: int, task_bytes: bytes) -> bytes:
    """:func:`call_in_worker` for Ray, task and result as pickled bytes: Ray's zero-copy arrays
    are read-only, which some libraries refuse (statsmodels' fitted results cannot be unpickled
    from them); bytes give the worker and the caller ordinary, writable copies."""
    import ray.cloudpickle as cloudpickle

    return cloudpickle.dumps(call_in_worker(fn, index, pickle.loads(task_bytes)))


def _collect(results: list, done, tasks, bar) -> None:
    index, value = done
    if isinstance(value, _Failure):
        raise _named(value.exc, tasks[index], index, len(tasks), value.traceback)
    results[index] = value
    bar.update(1)


def _run_loky(fn, tasks, n_jobs, bar) -> list:
    from joblib import Parallel, delayed, parallel_config

    results = [None] * len(tasks)
    with parallel_config(backend="loky", n_jobs=n_jobs, inner_max_num_threads=1):
        outputs = Parallel(return_as="generator_unordered")(
            delayed(call_in_worker)(fn, i, task) for i, task in enumerate(tasks))
        try:
            for done in outputs:
                _collect(results, done, tasks, bar)
        finally:
            with warnings.catch_warnings():  # after a failed task joblib cancels the rest and says so
                warnings.filterwarnings("ignore", message=r".*tasks have been successfully executed",
                                        category=UserWarning)
                outputs.close()
    return results


def _ray_is_initialized() -> bool:
    ray = sys.modules.get("ray")
    return ray is not None and hasattr(ray, "is_initialized") and ray.is_initialized()


def _import_ray():
    try:
        import ray
    except ImportError as err:
        raise MissingDependencyError(_RAY_INSTALL) from err
    return ray


def _connect_ray(ray, n_jobs: int, address: str | None) -> bool:
    """Start or join Ray unless the caller already did; True when this call must shut it down."""
    if ray.is_initialized():
        return False
    if address is None:
        ray.init(num_cpus=n_jobs, include_dashboard=False, log_to_driver=True, logging_level="warning")
        return True
    _check_reachable(address)
    try:
        ray.init(address=address, logging_level="warning", log_to_driver=True)
    except (ConnectionError, TimeoutError, ValueError, RuntimeError) as err:
        if ray.is_initialized():
            ray.shutdown()
        raise ParallelError(f"`address` must be a running Ray cluster (start one with `ray start --head`). "
                            f"Could not connect to {address!r}: {err}. A cluster with token authentication (Ray's "
                            f"default) needs RAY_AUTH_MODE=token and the token (RAY_AUTH_TOKEN, or ~/.ray/auth_token; "
                            f"`ray get-auth-token` on the head prints it) in this process's environment.") from err
    return True


#: What a gRPC (HTTP/2) client sends first: the connection preface and an empty SETTINGS frame.
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail within seconds on a HOST:PORT nobody listens at, or where something other than a Ray
    cluster answers (Ray itself retries for minutes in both cases).

    Ray's head (GCS, ``HOST:6379``) and its client server (``ray://HOST:10001``) speak gRPC, i.e.
    HTTP/2, whose servers answer a client's connection preface with a SETTINGS frame at once. A web
    server, a database or a silent port does not, and is refused here. With Ray's TLS on
    (``RAY_USE_TLS``) only the TCP connection is checked, since the first bytes are then TLS's.
    """
    import socket

    parts = _split_address(address)
    if parts is None:
        return
    host, port = parts
    start = f"`address` must be a running Ray cluster (start one with `ray start --head`). "
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as err:
        raise ParallelError(f"{start}Nothing answers at {address!r}: {err}") from err
    with sock:
        if os.environ.get("RAY_USE_TLS", "").strip().lower() in ("1", "true"):
            return
        reply = b""
        try:
            sock.sendall(_HTTP2_PREFACE)
            while len(reply) < 9:
                chunk = sock.recv(9 - len(reply))
                if not chunk:
                    break
                reply += chunk
            if len(reply) == 9 and reply[3] == 0x04:  # a SETTINGS frame: gRPC, as Ray's servers speak
                return
            sock.settimeout(0.5)
            reply += sock.recv(64)  # a little more of what it said, for the message
        except OSError:  # a timeout or a reset: judged by what came back
            pass
    web = reply.startswith(b"HTTP/") or b"<html" in reply.lower() or b"<!doctype" in reply.lower()
    said = (f"it answered {reply[:40]!r}" + (" (a web server?)" if web else "")
            if reply else f"it sent nothing back within {timeout:g} s")
    raise ParallelError(f"{start}Something listens at {address!r}, but it is not a Ray cluster: {said} where "
                        "a Ray head (gRPC) answers at once. Check the host and port (`ray start --head` prints "
                        "the address, e.g. HOST:6379).")


@contextlib.contextmanager
def _noted(kind, tasks, index: int, why: str):
    """Re-raise an exception of `kind` (a task lost outside its own code) with a note naming the task."""
    try:
        yield
    except kind as err:
        err.add_note(f"pybbdl.parallel: {task_label(tasks[index], index, len(tasks))} {why}")
        raise


def _check_exclusive(exclusive, n: int) -> list[bool]:
    if exclusive is None:
        return [False] * n
    if type(exclusive).__name__ == "ndarray" and getattr(exclusive, "ndim", None) == 1:
        exclusive = list(exclusive)  # a NumPy array of bools
    if isinstance(exclusive, (str, bytes, Mapping)) or not isinstance(exclusive, Sequence):
        raise ArgumentTypeError(f"`exclusive` must be None or one True/False per task. Received: "
                                f"{type(exclusive).__name__}")
    if len(exclusive) != n:
        raise ArgumentError(f"`exclusive` must have one True/False per task: {n} tasks, {len(exclusive)} values")
    import numpy as np

    bad = [v for v in exclusive if not isinstance(v, (bool, np.bool_))]
    if bad:
        raise ArgumentTypeError(f"`exclusive` must hold True/False only. Received: {bad[:3]!r}")
    return [bool(v) for v in exclusive]


def next_task(pending: Sequence[int], exclusive: Sequence[bool], exclusive_running: bool) -> int | None:
    """Which pending task starts when a worker is free: the first exclusive one when none runs,
    else the first unmarked one; None when only exclusive tasks wait behind a running one."""
    if not exclusive_running:
        for i in pending:
            if exclusive[i]:
                return i
    for i in pending:
        if not exclusive[i]:
            return i
    return None


def _run_pool(fn, tasks, n_jobs, bar, fresh: bool, exclusive: list[bool]) -> list:
    """The tasks on at most `n_jobs` worker processes, each task in a new one when `fresh`
    (``max_tasks_per_child=1``), started in :func:`next_task`'s order."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    from joblib.externals.loky.backend.context import get_context

    results = [None] * len(tasks)
    pending, running = list(range(len(tasks))), {}
    # loky's start method, as joblib's workers: a new interpreter that does not re-run the
    # caller's script (multiprocessing's "spawn" would, and fail in a script with no main guard)
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=get_context("loky"),
                             max_tasks_per_child=1 if fresh else None, initializer=limit_worker_threads) as pool:
        try:
            while pending or running:
                while pending and len(running) < n_jobs:
                    i = next_task(pending, exclusive, any(exclusive[j] for j in running.values()))
                    if i is None:
                        break
                    pending.remove(i)
                    running[pool.submit(call_in_worker, fn, i, tasks[i])] = i
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=running.get):
                    try:
                        value = future.result()
                    except BrokenProcessPool as err:  # a worker died: every running task fails with it
                        lost = sorted(i for f, i in running.items() if f.done() and f.exception() is not None)
                        err.add_note("pybbdl.parallel: " + " or ".join(task_label(tasks[i], i, len(tasks))
                                                                      for i in lost)
                                     + " ended without a result: its worker process was killed, ran out of memory "
                                       "or crashed")
                        raise
                    running.pop(future)
                    _collect(results, value, tasks, bar)
        finally:
            pending.clear()  # a failed task: what has not started is not started
            for future in running:
                future.cancel()
    return results


def _run_ray(fn, tasks, n_jobs, address, bar, fresh_process: bool = False, exclusive=None) -> list:
    ray = _import_ray()
    started = _connect_ray(ray, n_jobs, address)
    results = [None] * len(tasks)
    exclusive = exclusive or [False] * len(tasks)
    pending: dict = {}
    try:
        import ray.cloudpickle as cloudpickle

        remote = ray.remote(num_cpus=1, max_retries=0, **({"max_calls": 1} if fresh_process else {}))(
            call_in_ray_worker)
        fn_ref = ray.put(fn)
        waiting = list(range(len(tasks)))  # Ray schedules what is submitted; exclusive ones go one at a time
        while waiting or pending:
            while waiting:
                i = next_task(waiting, exclusive, any(exclusive[j] for j in pending.values()))
                if i is None:
                    break
                waiting.remove(i)
                pending[remote.remote(fn_ref, i, cloudpickle.dumps(tasks[i]))] = i
            done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0.2)
            for ref in done:
                with _noted(ray.exceptions.RayError, tasks, pending.pop(ref),  # the worker died or could not run fn
                            "failed on the Ray cluster outside the task's own code (is the same pybbdl installed on "
                            "every node?)"):
                    value = pickle.loads(ray.get(ref))
                _collect(results, value, tasks, bar)
    finally:
        for ref in pending:  # a failed task: what has not run is not started
            ray.cancel(ref)
        if started:
            ray.shutdown()
    return results


__all__ = ["BACKENDS", "OVERSUBSCRIBE_ENV", "WORKER_THREAD_ENV", "ParallelError", "available_cores", "call_in_ray_worker",
           "call_in_worker", "effective_workers", "limit_worker_threads", "next_task", "resolve_backend", "run_tasks",
           "task_label"]
