"""Independent, picklable tasks (model x seed x fold x series) run one after another or in parallel.

:func:`run_tasks` is the one door every workflow uses: ``n_jobs=1`` runs the tasks in this
process, in order (today's numbers, bit for bit). Other backends are added here and only here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pybbdl._validation import check_positive_int
from pybbdl.exceptions import ArgumentError

#: Backends :func:`run_tasks` knows.
BACKENDS = ("sequential",)


def run_tasks(fn: Callable, tasks: Sequence, *, n_jobs: int = 1, backend: str | None = None,
              address: str | None = None, progress: bool = False, desc: str | None = None) -> list:
    """``[fn(task) for task in tasks]``, in task order, possibly in parallel.

    Args:
        fn: A module-level (picklable) function of one argument.
        tasks: Picklable task descriptions.
        n_jobs: Worker processes; 1 runs in this process.
        backend: How to run them (:data:`BACKENDS`); None = "sequential" when n_jobs is 1.
        address: A cluster address, for backends that connect to one.
        progress: Show a progress bar (tqdm).
        desc: The progress bar's label.
    """
    n_jobs = check_positive_int("n_jobs", n_jobs)
    backend = backend or "sequential"
    if backend not in BACKENDS:
        raise ArgumentError(f"`backend` must be one of {', '.join(BACKENDS)}. Received: {backend!r}")
    tasks = list(tasks)
    if progress:
        from tqdm.auto import tqdm
        return [fn(t) for t in tqdm(tasks, desc=desc, leave=False)]
    return [fn(t) for t in tasks]
