#' Where the fits of a comparison or backtest run
#'
#' Every model x seed (x fold) fit of [forecast_compare()] and [forecast_backtest()] is an
#' independent task of the Python core's `pybbdl.parallel.run_tasks()`. By default they run one
#' after another in the Python process that reticulate started; `n_jobs` runs them in that many
#' local worker processes (joblib, one TensorFlow and BLAS thread each), and `address` sends them
#' to a running Ray cluster (`ray start --head` on one machine, `ray start --address=HEAD:6379`
#' on the others; the Python of every node needs `pip install pybbdl[ray]`). The tables do not
#' depend on where the fits ran: statistical models give the same numbers exactly, networks too
#' when trained deterministically (the default).
#'
#' @param n_jobs Worker processes, a whole number >= 1 (1: no workers).
#' @param backend `NULL` (`"loky"` when `n_jobs > 1`, `"ray"` with an `address`), or one of
#'   `"sequential"`, `"loky"`, `"ray"` (a private local Ray with `n_jobs` CPUs when `address` is
#'   `NULL`).
#' @param address A Ray cluster's address, `"HOST:PORT"` (the port `ray start --head` printed,
#'   6379 by default); `NULL`: no cluster.
#' @name parallel-fits
#' @family forecasting
NULL

#' Check n_jobs/backend/address; a list for the Python workflow.
#' @noRd
check_parallel_args <- function(n_jobs, backend, address) {
  n_jobs <- check_count(n_jobs, "n_jobs")
  if (!is.null(backend)) backend <- check_choice(backend, "backend", c("sequential", "loky", "ray"))
  if (!is.null(address)) address <- check_string(address, "address")
  if (!is.null(address) && !is.null(backend) && backend != "ray") {
    stop("`address` (a Ray cluster) needs `backend = \"ray\"` or `backend = NULL`, not backend = \"",
         backend, "\".", call. = FALSE)
  }
  list(n_jobs = n_jobs, backend = backend, address = address)
}
