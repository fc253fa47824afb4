#' Compare forecasting models on the same targets, beside the naive baseline
#'
#' Splits the series by time into train/validation/test parts, scales every column on the
#' training part only, cuts windows of `lookback` rows whose target lies `horizon` rows after the
#' window, fits each model on the training part and scores it on the others, in the target's own
#' units. The Python workflow `pybbdl.workflows.forecasting.forecast_compare()` does all of it
#' (the CLI's `pybbdl forecast` too); with the same settings and seed it gives the same numbers.
#'
#' The naive baseline (the last observed value) is always in the table. A window belongs to the
#' part that holds its target, so every model is scored on identical targets.
#'
#' @section Defaults:
#' One set of defaults serves Python, the command line and R (`FORECAST_DEFAULTS` of the Python
#' workflow; a test keeps them equal):
#'
#' | argument | default | | argument | default |
#' |---|---|---|---|---|
#' | `models` | naive, dense, lstm, gru | | `epochs` | 100 |
#' | `lookback` | 8 | | `batch_size` | 16 |
#' | `horizon` | 1 | | `patience` | 20 |
#' | `step` | 1 | | `seed` | 42 |
#' | `split` | 0.6, 0.2, 0.2 | | `seeds` | 1 |
#' | `dm_loss` | `"mae"` | | `learning_rate` | 0.001 |
#' | `baselines` | naive (+ arima) | | `units`, `period` | each model's own |
#' | `quick` | `FALSE` | | | |
#'
#' [forecast_backtest()] has its own `models` default (naive, arima, gru) and `folds = 5`,
#' `retrain = TRUE`, `stride = 1`, `val_fraction = 0.2` (`BACKTEST_DEFAULTS`).
#'
#' @param data A data frame (numeric columns, and at most one date column, used as the time
#'   index: Date, POSIXct, or text such as `"2000-01-01"` or `"21/02/2000"`, which must parse
#'   completely in one format, by the rule of pybbdl's CSV reader), a `ts`/`mts` object
#'   (frequency 4 or 12 gets a date index), a zoo or xts object (its index is the time) or a
#'   numeric matrix. Rows must be in time order, one
#'   per period (unsorted or repeated times are refused, naming the rows). The columns used must hold no `NA`, `NaN` or
#'   infinite values (the error names how many and the first timestamps).
#' @param models Model names, from `"naive"`, `"seasonal_naive"`, `"arima"`, `"dense"`,
#'   `"simple_rnn"`, `"lstm"`, `"gru"`, `"gru_dropout"`, `"stacked_gru"`,
#'   `"bidirectional_gru"`, `"conv1d"` (the book's networks with 32 units), the statistical
#'   baselines `"ets"`, `"theta"`, `"ar"`, `"ar_direct"`, `"rw_mean"`, `"var"` and the
#'   combinations `"combo_mean"`, `"combo_median"`, `"combo_inverse_mse"` (see
#'   [forecast_series()]); or a named list
#'   whose elements are such names, specs from [gru_spec()] and friends, or Python objects that
#'   follow pybbdl's forecaster contract (your own model, made with reticulate).
#' @param target Name of the column to forecast. Default: the first numeric column.
#' @param features Names of the input columns (the target is always one). Default: every numeric
#'   column.
#' @param lookback Rows of history per window, a whole number >= 1.
#' @param horizon Rows between the window's last row and the target (1 = the next period; the
#'   book's `delay` is `horizon - 1`).
#' @param step Keep one row in `step` within a window; `lookback` must be a multiple of it.
#' @param horizons Score several horizons at once: a whole number `H` (horizons 1 to `H`), a
#'   vector of horizons, or a string such as `"1-8"` or `"1,4,8"`; `horizon` is then the largest
#'   (leave it at 1 or give that). Every horizon is scored from the same forecast origins; the
#'   `table` gets one block of rows per horizon (its `horizon` column; Diebold-Mariano tests per
#'   horizon), `wide` shows the largest, and [plot_horizons()] draws the MAE by horizon. Networks
#'   have one output per horizon (MIMO); ARIMA, ETS, Theta, AR and VAR iterate one fit; other
#'   models are fitted once per horizon. `NULL`: `horizon` alone.
#' @param known Names of future-known columns (calendar terms, an assumed policy-rate path): their
#'   values over the horizon are known in advance and fed to the networks (a second input) and to
#'   ARIMA (regressors, ARIMAX). [forecast_conditional()] then forecasts on a path you give.
#' @param split Fractions of the rows for training, validation and test, in time order, summing
#'   to 1; names (`c(train = 0.6, val = 0.2, test = 0.2)`), when given, say which is which. Two
#'   fractions (train, val) leave no test part.
#' @param epochs,batch_size Training epochs (at most) and windows per batch of the networks.
#' @param patience Stop training after this many epochs without a better validation loss and
#'   keep the best weights; `NULL` or 0 trains all `epochs`.
#' @param learning_rate Adam's learning rate of the networks, a number > 0.
#' @param units Hidden units of the networks; `NULL`: each model's own (32).
#' @param period Seasonal period, in rows, of `"seasonal_naive"`, `"ets"` and `"theta"`; `NULL`: the
#'   frequency of a `ts` (or zooreg) `data` when it is above 1 (`ts(y, frequency = 7)`: 7), else each
#'   model's own (seasonal naive: the dates' season, 4 quarterly, 12 monthly, 24 hourly, 7 daily, else
#'   refused; ETS and Theta 4 for quarterly and 12 for monthly dates, else none). A `period` given
#'   wins over the ts frequency; the one used is `settings$period`. The same
#'   name as in [forecast_panel()], [forecast_series()], Python and the CLI (`--period`).
#' @param season Deprecated old name of `period` (a warning; removed in the next release).
#' @param seed Seed of weights, shuffling and dropout (Python, NumPy and TensorFlow are seeded
#'   and TensorFlow runs deterministically while a network trains), so a call gives the same
#'   numbers each time; a whole number >= 0.
#' @param seeds Train each network once per seed: a count (seeds `seed`, `seed + 1`, ...) or a
#'   vector of seeds; the table then shows the mean and the standard deviation across seeds.
#' @param baselines Models the Diebold-Mariano columns test against; `NULL`: naive, and arima
#'   when it is in the comparison.
#' @param params Parameters per model, a named list of named lists:
#'   `list(gru = list(units = 64), arima = list(max_p = 5))` (the Python `params`; CLI
#'   `--param gru.units=64`). Each name must be a model of `models` given by name, each inner name
#'   a parameter of that model ([pybbdl_models()] lists the models and their defaults); an unknown
#'   model or parameter is refused, naming the valid ones. Whole numbers are passed as integers.
#'   `NULL`: the models' defaults.
#' @param quick A smoke run: every network trains a few epochs without early stopping and ARIMA
#'   searches a small grid on the last rows (the Python workflow's `QUICK` settings).
#' @param out_dir A folder to save the run in (tables, forecasts, plots, `manifest.json`
#'   written last); checked writable before any training. `NULL` saves nothing.
#' @param dm_loss Loss of the Diebold-Mariano tests: `"mae"` (absolute errors, [dm_test()]'s
#'   `power = 1`) or `"mse"` (squared, `power = 2`). The tests use the Bartlett variance.
#' @param levels Prediction-interval levels in (0, 1), e.g. `c(0.8, 0.95)`; `NULL` (the default):
#'   80 % and 95 %, skipped with a note when the validation part is too short to calibrate them;
#'   `numeric(0)`: no intervals. Models with their own intervals (ARIMA, ETS, ...) use them; the
#'   others get split-conformal intervals whose half-width is a quantile of the forecast errors on
#'   the validation part (the model never trained on it; the test part is never used), scaled by
#'   each window's volatility unless `conformal_scale = "none"`.
#'   A level L needs at least `1 / (1 - L) - 1` validation targets (19 for 95 %).
#' @param conformal_window `NULL`: conformal intervals calibrated once on the whole validation
#'   part; a whole number N: *rolling* conformal intervals, each target's from the last N forecast
#'   errors observed at its origin (the validation part's, then the scored part's past targets;
#'   the models are not refitted). It follows a change in error size between the periods.
#' @param conformal_scale `"window"`: *normalized* conformal intervals, each error divided by its
#'   window's own scale (the target's mean absolute `horizon`-step change inside the input
#'   window, known at the origin), each interval that quantile times its window's scale: wider
#'   after volatile stretches, narrower after calm ones. `"none"`: from the absolute forecast
#'   errors. `"auto"` (default): `"window"` when `lookback` is 2 or more. Works with
#'   `conformal_window` too.
#' @param interval_method `"auto"` (default): models with their own analytic intervals (ARIMA,
#'   ETS, Theta, ...) use them, the others get conformal intervals; `"conformal"`: conformal
#'   intervals, calibrated on the validation part, for every model (e.g. when a misspecified
#'   ARIMA's own intervals are too wide or too narrow). The table's `interval` column says which
#'   each model got.
#' @param nested Pairs to test with the Clark-West test instead of Diebold-Mariano: a named list
#'   `list(larger = "nested model")`, e.g. `list(gru = "naive")`; `NULL`: the models' own
#'   declarations (ARIMA nests naive). See [clark_west_test()].
#' @param verbose Print one line per fit and Keras' progress.
#' @param id For a panel: the name of the column that says which series a row belongs to. `data`
#'   is then a long data frame (`id`, `time`, `value`; see [forecast_panel()]) and the call
#'   returns [forecast_panel()]'s `pybbdl_panel` (per-series and aggregate tables). Only `models`,
#'   `target` (the value column, default `"value"`), `horizon`, `period` (the seasonal period),
#'   `levels`, `seed`, `seeds`, `n_jobs` and `out_dir` apply to a panel; any other argument given
#'   is refused.
#' @param future A whole number `H`: after scoring, also forecast the `H` periods after the last
#'   observation with every model refitted on all the data (see [forecast_future()]); the result
#'   then has a `future` element (a `pybbdl_future`) and `out_dir` gets `forecast_future.csv` and
#'   `fan_future_<model>.png`. `NULL` (default): none; `forecast_future(run, h)` makes one later.
#' @inheritParams parallel-fits
#' @return An object of class `pybbdl_comparison`, a list with
#'   * `table`: the long table, one row per model, part and metric, with the columns `model`,
#'     `part` (`"val"`, `"test"`, or `"train"` for what fitting took), `metric` (`mae`, `rmse`
#'     in target units; `skill_pct` = `100 * (1 - MAE / naive MAE)`; `dm_stat_vs_<b>` and
#'     `p_vs_<b>`, the Diebold-Mariano statistic (negative = more accurate than `b`) and
#'     p-value against each baseline `b` (naive, and arima when it is in the comparison);
#'     `epochs`, `fit_seconds`, `n_params` for `"train"`; with intervals `coverage_80`,
#'     `width_80`, `winkler_80`, ... per level, `pinball` and `crps`; for nested pairs
#'     `cw_stat_vs_<b>` and `cw_p_vs_<b>` (Clark-West, positive = the larger model is better);
#'     `mcs_p` and `in_mcs_90`, 1 when the model is in Hansen's 90 % model confidence set), `value`,
#'     `sd` (across seeds), `n` (targets scored), `seeds`; `as.data.frame()` returns it; every
#'     metric is one of [pybbdl_metrics()] (a metric registered in Python appears here too);
#'   * `wide`: the same numbers, one row per model (`val_mae`, `test_p_vs_naive`, ..., `spec`,
#'     `note`);
#'   * `columns`: what each metric column of `wide` holds: `column`, `part`, `metric` (a name of
#'     [pybbdl_metrics()]), `kind`, `level`, `baseline`, `statistic` (`"value"` or `"sd"`),
#'     `label` and `printed` (shown by `print()`);
#'   * `forecasts`: one data frame per scored part: the target time (or `row`, the 1-based row
#'     number, for data without time stamps), `actual` and each model's forecast (first seed);
#'   * `intervals`: one list per scored part, of one data frame per model with intervals: the
#'     target time, `mean` (the point forecast) and `lower_80`, `upper_80`, ... (first seed);
#'   * `models`: the fitted Python models (first seed), see [arima_summary()];
#'   * `settings`: every setting used; `epochs`, `patience` and `seeds` as the run used them (a
#'     quick run caps the epochs and stops no run early; it keeps the given values as
#'     `epochs_given` and `patience_given`).
#'
#'   `print()` shows the table with the DM p-values and the models' specs, `plot()` draws the
#'   forecasts against the actual values (`plot(run, fan = "arima")`: one model's fan chart),
#'   `summary()` gives the one-row-per-model table (see
#'   [forecast-methods]).
#' @family forecasting
#' @export
#' @examples
#' \donttest{
#' if (pybbdl_available()) {
#'   run <- forecast_compare(macro_data(), models = c("naive", "gru"), epochs = 5)
#'   run
#'   plot(run)
#'   head(as.data.frame(run))
#' }
#' }
forecast_compare <- function(data, models = c("naive", "dense", "lstm", "gru"), target = NULL,
                             features = NULL, lookback = 8, horizon = 1, step = 1,
                             horizons = NULL, known = NULL,
                             split = c(train = 0.6, val = 0.2, test = 0.2), epochs = 100,
                             batch_size = 16, patience = 20, learning_rate = 1e-3, units = NULL,
                             period = NULL, seed = 42, seeds = 1, baselines = NULL,
                             dm_loss = c("mae", "mse"), levels = NULL, nested = NULL,
                             conformal_window = NULL, conformal_scale = "auto",
                             interval_method = "auto", params = NULL,
                             quick = FALSE, out_dir = NULL,
                             verbose = FALSE, n_jobs = 1, backend = NULL, address = NULL,
                             future = NULL, id = NULL, season = NULL) {
  period <- renamed_arg(season, period, "season", "period")
  if (!is.null(id)) {
    given <- setdiff(names(match.call())[-1], "")
    return(panel_adapter("forecast_compare", "forecast_panel", data, id, given,
                         models = if (missing(models)) NULL else models, target = target,
                         horizon = if (missing(horizon)) NULL else horizon, period = period,
                         levels = levels, seed = seed, seeds = seeds, n_jobs = n_jobs, out_dir = out_dir))
  }
  dm_loss <- match.arg(dm_loss)
  if (is.factor(models)) models <- as.character(models) # the labels, never the integer codes
  args <- check_forecast_args(data, target, features, lookback, horizon, step, epochs, batch_size,
                              patience, learning_rate, units, period, seed, seeds, baselines,
                              quick, out_dir, verbose)
  args$period <- ts_period(data, args$period, models)
  args$parallel <- check_parallel_args(n_jobs, backend, address)
  split <- check_split(split)
  args <- check_horizons_known(args, horizons, known, data)
  if (args$n_rows < args$lookback + args$horizon) {
    stop("`data` must have at least lookback + horizon = ", args$lookback + args$horizon,
         " rows, not ", args$n_rows, ".", call. = FALSE)
  }
  args$split <- split
  args$dm_loss <- dm_loss
  args$levels <- check_levels_arg(levels)
  args$nested <- check_nested_arg(nested)
  args$conformal_window <- check_count(conformal_window, "conformal_window", null_ok = TRUE)
  args$conformal_scale <- check_conformal_scale(conformal_scale)
  args$interval_method <- check_choice(interval_method, "interval_method", c("auto", "conformal"))
  args$models <- as_model_list(models, args$params)
  args$model_params <- check_model_params(params, models)
  args$future <- check_count(future, "future", null_ok = TRUE)
  check_baselines(args$baselines, models)
  run <- run_forecast_workflow("compare", args)
  new_forecast_run(run, args, "pybbdl_comparison")
}

#' Rolling-origin backtest of forecasting models
#'
#' Cuts the last rows of the series into `folds` consecutive blocks of `fold_size` targets and,
#' before each block, fits every model on the rows before it (all of them, or the last
#' `train_length`; the last `val_fraction` serves as validation for early stopping), so that
#' each model forecasts the same targets, fold after fold. The Python workflow
#' `pybbdl.workflows.forecasting.forecast_backtest()` does the work, with the same defaults
#' (the backtest's own: `models`, `folds`, ... as its `BACKTEST_DEFAULTS`); the table pools the
#' targets of all folds.
#'
#' @inheritParams forecast_compare
#' @inheritSection forecast_compare Defaults
#' @param folds Number of test blocks, a whole number >= 1.
#' @param fold_size Targets per block; `NULL`: the rows after `start` split evenly, or a tenth of
#'   the series per block when `start` is `NULL` too.
#' @param start First scored row (a whole number, 1-based) or a fraction of the series in (0, 1);
#'   `NULL`: the blocks end with the series.
#' @param train_length `NULL` trains on every row before a block (expanding window); a whole
#'   number trains on that many rows before it (sliding window).
#' @param retrain Refit the models before every block (`TRUE`) or only before the first.
#' @param stride Score every `stride`-th target of a block only (1 = all).
#' @param val_fraction Share of each training range kept for validation (early stopping), in
#'   (0, 1).
#' @param id For a panel: the name of the column that says which series a row belongs to. `data`
#'   is then a long data frame and the call returns [backtest_panel()]'s `pybbdl_panel_backtest`
#'   (per-series-and-fold, per-fold and pooled tables): each series is forecast from `folds`
#'   origins, `fold_size` values apart (`NULL`: each series' horizon). Only `models`, `target` (the
#'   value column), `horizon`, `period` (the seasonal period), `folds`, `fold_size`, `levels`,
#'   `seed`, `seeds`, `n_jobs` and `out_dir` apply; any other argument is refused by name.
#' @return An object of class `pybbdl_backtest` (also a `pybbdl_comparison`, so its methods
#'   apply, see [forecast-methods]), with the elements of [forecast_compare()]'s
#'   result; the one scored part is `"test"` (all folds pooled) and its forecasts have a `fold`
#'   column.
#' @family forecasting
#' @export
#' @examples
#' \donttest{
#' if (pybbdl_available()) {
#'   bt <- forecast_backtest(macro_data(), models = c("naive", "arima"), folds = 3,
#'                           fold_size = 8)
#'   bt
#'   plot(bt)
#' }
#' }
forecast_backtest <- function(data, models = c("naive", "arima", "gru"), target = NULL,
                              features = NULL, lookback = 8, horizon = 1, step = 1,
                              horizons = NULL, known = NULL, folds = 5,
                              fold_size = NULL, start = NULL, train_length = NULL, retrain = TRUE,
                              stride = 1, val_fraction = 0.2, epochs = 100, batch_size = 16, patience = 20,
                              learning_rate = 1e-3, units = NULL, period = NULL, seed = 42,
                              seeds = 1, baselines = NULL, dm_loss = c("mae", "mse"),
                              levels = NULL, nested = NULL, conformal_window = NULL,
                              conformal_scale = "auto", interval_method = "auto", params = NULL, quick = FALSE,
                              out_dir = NULL, verbose = FALSE, n_jobs = 1,
                              backend = NULL, address = NULL, future = NULL,
                              id = NULL, season = NULL) {
  period <- renamed_arg(season, period, "season", "period")
  if (!is.null(id)) {
    given <- setdiff(names(match.call())[-1], "")
    return(panel_adapter("forecast_backtest", "backtest_panel", data, id, given,
                         models = if (missing(models)) NULL else models, target = target,
                         horizon = if (missing(horizon)) NULL else horizon, period = period,
                         levels = levels, seed = seed, seeds = seeds, n_jobs = n_jobs, out_dir = out_dir,
                         extra = list(folds = folds, step = fold_size)))
  }
  dm_loss <- match.arg(dm_loss)
  if (is.factor(models)) models <- as.character(models) # the labels, never the integer codes
  args <- check_forecast_args(data, target, features, lookback, horizon, step, epochs, batch_size,
                              patience, learning_rate, units, period, seed, seeds, baselines,
                              quick, out_dir, verbose)
  args$period <- ts_period(data, args$period, models)
  args <- check_horizons_known(args, horizons, known, data)
  args$parallel <- check_parallel_args(n_jobs, backend, address)
  args$folds <- check_count(folds, "folds")
  args$fold_size <- check_count(fold_size, "fold_size", null_ok = TRUE)
  if (!is.null(start)) {
    if (is.numeric(start) && length(start) == 1 && !is.na(start) && start > 0 && start < 1) {
      args$start <- as.numeric(start)
    } else {
      args$start <- check_count(start, "start") - 1L # the Python core counts rows from 0
      if (args$start >= args$n_rows) {
        stop("`start` must be a row of `data` (1 to ", args$n_rows, ") or a fraction in (0, 1), not ",
             start, ".", call. = FALSE)
      }
    }
  }
  args$train_length <- check_count(train_length, "train_length", null_ok = TRUE)
  args$retrain <- check_flag(retrain, "retrain")
  args$stride <- check_count(stride, "stride")
  args$val_fraction <- check_number(val_fraction, "val_fraction", lower = 0, upper = 1)
  args$dm_loss <- dm_loss
  args$levels <- check_levels_arg(levels)
  args$nested <- check_nested_arg(nested)
  args$conformal_window <- check_count(conformal_window, "conformal_window", null_ok = TRUE)
  args$conformal_scale <- check_conformal_scale(conformal_scale)
  args$interval_method <- check_choice(interval_method, "interval_method", c("auto", "conformal"))
  args$models <- as_model_list(models, args$params)
  args$model_params <- check_model_params(params, models)
  args$future <- check_count(future, "future", null_ok = TRUE)
  check_baselines(args$baselines, models)
  run <- run_forecast_workflow("backtest", args)
  new_forecast_run(run, args, c("pybbdl_backtest", "pybbdl_comparison"))
}

#' The checks and settings both forecasting functions share
#' @noRd
check_forecast_args <- function(data, target, features, lookback, horizon, step, epochs,
                                batch_size, patience, learning_rate, units, period, seed, seeds,
                                baselines, quick, out_dir, verbose) {
  frame <- as_time_frame(data)
  columns <- names(frame$values)
  if (!length(columns)) stop("`data` must have at least one numeric column.", call. = FALSE)
  target <- if (is.null(target)) columns[[1]] else check_column(target, "target", data, columns)
  if (!is.null(features)) {
    features <- check_names(features, "features", "column names")
    for (f in features) check_column(f, "features", data, columns)
  }
  lookback <- check_count(lookback, "lookback")
  horizon <- check_count(horizon, "horizon")
  step <- check_count(step, "step")
  if (lookback %% step != 0) {
    stop("`lookback` must be a multiple of `step`, not lookback = ", lookback, " with step = ",
         step, ".", call. = FALSE)
  }
  check_finite_columns(frame, unique(c(target, if (is.null(features)) columns else features)))
  verbose <- check_flag(verbose, "verbose")
  patience <- check_count(patience, "patience", minimum = 0, null_ok = TRUE)
  if (identical(patience, 0L)) patience <- NULL
  params <- list(epochs = check_count(epochs, "epochs"),
                 batch_size = check_count(batch_size, "batch_size"),
                 patience = patience,
                 learning_rate = check_number(learning_rate, "learning_rate", lower = 0),
                 random_state = check_count(seed, "seed", minimum = 0),
                 verbose = if (verbose) "auto" else 0L)
  baselines <- check_names(baselines, "baselines", "model names", null_ok = TRUE)
  if (!is.null(out_dir)) check_string(out_dir, "out_dir")
  list(data = data, frame = frame, n_rows = nrow(frame$values), target = target,
       features = features, lookback = lookback, horizon = horizon, step = step,
       params = params, units = check_count(units, "units", null_ok = TRUE),
       period = check_count(period, "period", null_ok = TRUE), seeds = check_seeds(seeds),
       baselines = if (is.null(baselines)) NULL else as.list(baselines),
       quick = check_flag(quick, "quick"),
       out_dir = if (is.null(out_dir)) NULL else path.expand(out_dir), verbose = verbose)
}

#' Run the Python forecasting workflow: the one place R calls it (kind "compare" or "backtest"),
#' pybbdl.workflows.forecasting.forecast_compare()/forecast_backtest(), which return a
#' ForecastRun. Returns list(python, wide, long, forecasts, models).
#' @noRd
run_forecast_workflow <- function(kind, args) {
  workflow <- python_module("workflows.forecasting")
  p <- args$params
  settings <- list(
    target = args$target, features = args$features, models = args$models,
    lookback = args$lookback, horizon = args$horizon, step = args$step, epochs = p$epochs,
    batch_size = p$batch_size, patience = if (is.null(p$patience)) 0L else p$patience, # 0 = off
    learning_rate = p$learning_rate, units = args$units, period = args$period,
    seed = p$random_state, seeds = args$seeds, baselines = args$baselines,
    dm_loss = args$dm_loss, quick = args$quick, out_dir = args$out_dir, progress = args$verbose,
    levels = py_levels(args$levels), nested = py_nested(args$nested),
    conformal_window = args$conformal_window, conformal_scale = args$conformal_scale,
    interval_method = args$interval_method,
    n_jobs = args$parallel$n_jobs, backend = args$parallel$backend, address = args$parallel$address,
    horizons = args$horizons, known = args$known, future = args$future,
    params = py_model_params(args$model_params)
  )
  data <- as_pandas_frame(args$data, frame = args$frame)
  result <- if (kind == "compare") {
    with_py_errors(do.call(workflow$forecast_compare, c(
      list(data), settings, list(split = reticulate::tuple(as.list(args$split)))
    )))
  } else {
    with_py_errors(do.call(workflow$forecast_backtest, c(list(data), settings, list(
      folds = args$folds, fold_size = args$fold_size, start = args$start,
      train_length = args$train_length, retrain = args$retrain, stride = args$stride,
      val_fraction = args$val_fraction
    ))))
  }
  time_class <- if (inherits(args$frame$time, "Date")) "Date" else "POSIXct"
  parts <- reticulate::py_to_r(reticulate::import_builtins(convert = FALSE)$list(result$forecasts$keys()))
  forecasts <- stats::setNames(lapply(parts, function(part) {
    frame <- pandas_to_r_frame(result$forecasts[[part]], time_class = time_class)
    if ("fold" %in% names(frame)) frame$fold <- as.integer(frame$fold)
    frame
  }), parts)
  used <- function(key) reticulate::py_to_r(result$settings$get(key))
  list(python = result, wide = pandas_table_to_r(result$wide),
       used = list(epochs = used("epochs"), patience = used("patience"),
                   seeds = as.integer(unlist(used("seeds"))), horizons = used("horizons")),
       long = pandas_table_to_r(result$table), columns = wide_columns(result$comparison$columns),
       forecasts = forecasts,
       intervals = intervals_to_r(result$comparison, time_class), models = result$models)
}

# The wide table's column catalog (Comparison.columns: which metric of the registry, part, level
# and baseline each column holds, its label, whether print() shows it): print() reads it instead
# of parsing column names.
wide_columns <- function(columns) {
  out <- pandas_table_to_r(columns)
  out$printed <- as.logical(out$printed)
  out
}

new_forecast_run <- function(run, args, class) {
  settings <- c(list(target = args$target, features = args$features, lookback = args$lookback,
                     horizon = args$horizon, step = args$step),
                args[intersect(c("split", "folds", "fold_size", "start", "train_length", "retrain",
                                 "stride", "val_fraction"), names(args))],
                args$params[c("epochs", "batch_size", "patience", "learning_rate")],
                list(units = args$units, period = args$period, seed = args$params$random_state,
                     seeds = args$seeds, baselines = args$baselines, dm_loss = args$dm_loss,
                     levels = args$levels, nested = args$nested,
                     conformal_window = args$conformal_window,
                     conformal_scale = args$conformal_scale,
                     interval_method = args$interval_method, quick = args$quick,
                     out_dir = args$out_dir))
  if (!is.null(settings$start) && settings$start >= 1) settings$start <- settings$start + 1L
  # what ran, as the Python workflow records it (a quick run caps epochs and stops no early)
  if (isTRUE(args$quick)) {
    settings$epochs_given <- settings$epochs
    settings$patience_given <- settings$patience
  }
  settings$epochs <- as.integer(run$used$epochs)
  settings["patience"] <- list(if (is.null(run$used$patience)) NULL else as.integer(run$used$patience))
  settings$seeds <- run$used$seeds
  settings$horizons <- if (is.null(run$used$horizons)) NULL else as.integer(unlist(run$used$horizons))
  if (!is.null(settings$horizons)) settings$horizon <- max(settings$horizons)
  settings$known <- args$known
  settings$future <- args$future
  future <- NULL
  if (!is.null(args$future)) { # forecasts from today (forecast_future()), made by the workflow
    time_class <- if (inherits(run$forecasts[[1]][[1]], "Date")) "Date" else "POSIXct"
    future <- new_future(run$python$future, time_class = time_class)
  }
  structure(list(table = run$long, wide = run$wide, columns = run$columns, forecasts = run$forecasts,
                 intervals = run$intervals, models = run$models, settings = settings, target = args$target,
                 horizon = if (is.null(settings$horizons)) args$horizon else max(settings$horizons),
                 future = future, python = run$python),
            class = class)
}

check_column <- function(name, arg, data, columns) {
  name <- check_string(name, arg)
  if (!name %in% columns) {
    all <- if (is.data.frame(data)) names(data) else columns
    why <- if (name %in% all) {
      paste0(" is ", column_type(data[[name]]), ", not numeric")
    } else {
      " is not a column of `data`"
    }
    stop("`", arg, "` must name a numeric column of `data`; \"", name, "\"", why,
         ". Numeric columns: ", paste0('"', columns, '"', collapse = ", "), ".", call. = FALSE)
  }
  name
}

#' `split` as unnamed fractions in the order train, val(, test); names, when given, say which is
#' which (in any order). They must sum to 1: the Python workflow refuses rows left out silently.
#' @noRd
check_split <- function(split) {
  shown <- if (is.numeric(split)) paste(format(split), collapse = ", ") else describe(split)
  if (!is.numeric(split) || !length(split) %in% 2:3 || anyNA(split) || any(!is.finite(split)) ||
      any(split < 0)) {
    stop("`split` must be 2 or 3 fractions (train, val, test) >= 0 summing to 1, not ", shown, ".",
         call. = FALSE)
  }
  parts <- c("train", "val", "test")[seq_along(split)]
  if (!is.null(names(split))) {
    if (!setequal(names(split), parts) || anyDuplicated(names(split))) {
      stop("`split` must be named ", paste0('"', parts, '"', collapse = ", "), " (in any order) or ",
           "not named, not ", paste0(names(split), " = ", format(split), collapse = ", "), ".",
           call. = FALSE)
    }
    split <- split[parts]
  }
  if (abs(sum(split) - 1) > 1e-9) {
    stop("`split` must sum to 1, so that no row is left out silently, not ", shown, " (sum ",
         format(sum(split)), ").", call. = FALSE)
  }
  unname(as.numeric(split))
}

# "a character column", "a factor column", ... for messages about a column that is not numeric
column_type <- function(x) {
  type <- if (is.factor(x)) "factor" else if (inherits(x, c("Date", "POSIXt"))) "date" else typeof(x)
  paste0(if (grepl("^[aeiou]", type)) "an " else "a ", type, " column")
}

#' FC4/FC5: the seasonal period of a `ts` (or zooreg) `data` is its frequency. It becomes `period` for
#' the models that take a period (seasonal_naive, ets, theta) when no `period` is given; a `period`
#' given wins (it is the explicit setting, and is recorded in the settings). NULL otherwise.
#' @noRd
ts_period <- function(data, period, models) {
  if (!is.null(period) || !(stats::is.ts(data) || inherits(data, "zooreg"))) {
    return(period)
  }
  freq <- stats::frequency(data)
  if (!is.finite(freq) || freq <= 1) {
    return(NULL)
  }
  names <- if (is.character(models)) models else if (is.list(models)) {
    unlist(Filter(function(m) is.character(m) && length(m) == 1, models))
  } else character()
  names <- intersect(names, reticulate::py_to_r(python_module("models")$MODEL_NAMES))
  py_models <- python_module("models")
  # the models the workflow gives `period` to: those whose registry entry declares it
  takes_season <- function(m) "period" %in% unlist(reticulate::py_to_r(py_models$get_spec(m)$settings))
  takes <- Filter(takes_season, names)
  if (!length(takes)) {
    return(NULL)
  }
  if (abs(freq - round(freq)) > 1e-8) {
    stop("`data` is a ts of frequency ", format(freq), ", not a whole number, so it cannot be the seasonal ",
         "period of ", paste0('"', takes, '"', collapse = ", "), "; give `period` (in rows).", call. = FALSE)
  }
  as.integer(round(freq))
}

check_baselines <- function(baselines, models) {
  # the naive baseline is always in the table; a lone spec is named "network" (as_model_list())
  names <- unique(c("naive", if (inherits(models, "pybbdl_model_spec")) "network" else if (is.character(models)) models else names(models)))
  unknown <- setdiff(unlist(baselines), names)
  if (length(unknown)) {
    stop("`baselines` must name models of the comparison (", paste0('"', unique(names), '"', collapse = ", "),
         "), not \"", unknown[[1]], "\".", call. = FALSE)
  }
  invisible(baselines)
}

check_seeds <- function(seeds) {
  if (is.null(seeds)) {
    return(NULL)
  }
  if (length(seeds) == 1) {
    return(check_count(seeds, "seeds"))
  }
  if (!is.numeric(seeds) || anyNA(seeds) || any(seeds != round(seeds)) || any(seeds < 0) ||
      any(seeds > .Machine$integer.max)) {
    stop("`seeds` must be a count or a vector of whole numbers >= 0, not ",
         if (is.numeric(seeds)) paste(seeds, collapse = ", ") else describe(seeds), ".",
         call. = FALSE)
  }
  if (anyDuplicated(seeds)) {
    stop("`seeds` must not repeat a seed (a repeated run would shrink the sd across seeds), not ",
         paste(seeds, collapse = ", "), ".", call. = FALSE)
  }
  as.list(as.integer(seeds))
}

#' Model names stay a list of names (compare() builds them with `params`, exactly as from
#' Python); a list holding specs or Python forecasters becomes a dict of estimators.
#' @noRd
as_model_list <- function(models, params) {
  if (is.factor(models)) models <- as.character(models)
  known <- reticulate::py_to_r(python_module("models")$MODEL_NAMES)
  check_name <- function(name) {
    if (!name %in% known) {
      stop("`models` must hold known model names or specs; \"", name, "\" is unknown. Known: ",
           paste0('"', known, '"', collapse = ", "), ".", call. = FALSE)
    }
    name
  }
  if (is.character(models)) {
    if (!length(models)) stop("`models` must name at least one model, not character(0).", call. = FALSE)
    if (anyNA(models)) {
      stop("`models` must be model names, not NA (element ", which(is.na(models))[[1]], ").",
           call. = FALSE)
    }
    for (m in models) check_name(m)
    return(as.list(models))
  }
  if (inherits(models, "pybbdl_model_spec")) models <- list(network = models)
  if (!is.list(models) || !length(models) || is.null(names(models)) || any(!nzchar(names(models))) ||
      anyDuplicated(names(models))) {
    stop("`models` must be a character vector of model names or a list with a unique name for ",
         "each element, not ", describe(models), ".", call. = FALSE)
  }
  py_models <- python_module("models")
  estimators <- reticulate::dict()
  for (name in names(models)) {
    m <- models[[name]]
    if (is.factor(m)) m <- as.character(m)
    estimators[[name]] <- if (inherits(m, "pybbdl_model_spec")) {
      spec <- spec_params(m, paste0("models$", name))
      training <- params[setdiff(names(params), names(spec))]
      with_py_errors(do.call(py_models$NeuralForecaster, c(spec, training)))
    } else if (is.character(m) && length(m) == 1) {
      with_py_errors(do.call(py_models$make_model, c(list(check_name(m)), params)))
    } else if (inherits(m, "python.builtin.object")) {
      m # a forecaster of the user's, made with reticulate; the Python core checks the contract
    } else {
      stop("`models$", name, "` must be a model name, a spec from gru_spec() and friends or a ",
           "Python forecaster, not ", describe(m), ".", call. = FALSE)
    }
  }
  estimators
}


# forecast_compare(data, id = ...) on a long panel: forecast_panel() with the arguments that apply.
# forecast_compare(id = ) / forecast_backtest(id = ): the panel workflow `target_fun` ("forecast_panel"
# or "backtest_panel") with the arguments that apply to a panel; any other given argument is refused
# by name. `extra` holds the workflow's own arguments (backtest: folds, and fold_size as `step`).
panel_adapter <- function(caller, target_fun, data, id, given, models, target, horizon, period, levels,
                          seed, seeds, n_jobs, out_dir, extra = list()) {
  if (is.factor(id) && length(id) == 1) id <- as.character(id)
  if (!is.character(id) || length(id) != 1 || is.na(id) || !nzchar(id)) {
    stop("`id` must be one column name, not ", describe(id), ".", call. = FALSE)
  }
  allowed <- c("data", "id", "models", "target", "horizon", "period", "season", "levels", "seed", "seeds",
               "n_jobs", "out_dir", if (length(extra)) c("folds", "fold_size"))
  other <- setdiff(given, allowed)
  if (length(other) > 0) {
    stop("With `id` (a panel), ", caller, "() runs ", target_fun, "(), where ",
         paste0("`", other, "`", collapse = ", "), " do not apply (they set up one series' windows). ",
         "Leave them out, or call ", target_fun, "() for its own options.", call. = FALSE)
  }
  args <- c(list(data = data, id_col = id, levels = levels, seed = seed, seeds = seeds,
                 n_jobs = n_jobs, out_dir = out_dir), extra)
  if (!is.null(models)) args$models <- models
  if (!is.null(target)) args$value_col <- target
  if (!is.null(horizon)) args$horizon <- horizon
  if (!is.null(period)) args$period <- period
  do.call(target_fun, args)
}

check_conformal_scale <- function(scale) {
  if (is.null(scale)) return("none")
  if (!is.character(scale) || length(scale) != 1 || is.na(scale) ||
      !scale %in% c("auto", "window", "none")) {
    stop("`conformal_scale` must be \"auto\", \"window\" or \"none\", not ", describe(scale), ".",
         call. = FALSE)
  }
  scale
}

#' `params = list(model = list(key = value))`, checked in R: names are models of the run given by
#' name; whole numbers become integers (Keras wants integer units). Python checks the keys.
#' @noRd
check_model_params <- function(params, models) {
  if (is.null(params)) return(NULL)
  if (!is.list(params) || is.data.frame(params) || !length(params)) {
    stop("`params` must be NULL or a named list of named lists, e.g. list(gru = list(units = 64)), not ",
         describe(params), ".", call. = FALSE)
  }
  if (is.null(names(params)) || any(is.na(names(params)) | !nzchar(names(params)))) {
    stop("`params` must name a model for each element, e.g. list(gru = list(units = 64)).", call. = FALSE)
  }
  if (anyDuplicated(names(params))) {
    stop("`params` must name each model once, not ", names(params)[anyDuplicated(names(params))],
         " twice.", call. = FALSE)
  }
  named <- if (is.character(models)) models else if (is.factor(models)) as.character(models) else
    names(models)[vapply(models, is.character, logical(1))]
  for (model in names(params)) {
    if (!model %in% named) {
      stop("`params` names model \"", model, "\", which is not a model of the run given by name (",
           paste0('"', named, '"', collapse = ", "), ").", call. = FALSE)
    }
    kw <- params[[model]]
    if (!is.list(kw) || (length(kw) && (is.null(names(kw)) || any(!nzchar(names(kw)))))) {
      stop("`params$", model, "` must be a named list of parameters, e.g. list(units = 64), not ",
           describe(kw), ".", call. = FALSE)
    }
    params[[model]] <- lapply(kw, function(v) {
      if (is.factor(v)) v <- as.character(v)
      if (is.numeric(v) && length(v) == 1 && !is.na(v) && is.finite(v) && v == round(v) &&
          abs(v) < .Machine$integer.max) as.integer(v) else v
    })
  }
  params
}

#' Per-model parameters as a Python dict of dicts (an empty R list would become a Python list).
#' @noRd
py_model_params <- function(params) {
  if (is.null(params)) return(NULL)
  inner <- lapply(params, function(kw) if (length(kw)) do.call(reticulate::dict, kw) else reticulate::dict())
  do.call(reticulate::dict, inner)
}

#' pybbdl 0.3's `season` is `period` (one name for the seasonal period in Python, the CLI and R):
#' the old name still works for one release, with a deprecation warning.
#' @noRd
renamed_arg <- function(old, new, old_name, new_name) {
  if (is.null(old)) {
    return(new)
  }
  .Deprecated(msg = paste0("`", old_name, "` is deprecated and will be removed in the next release; use `",
                           new_name, "`."))
  if (!is.null(new) && !identical(new, old)) {
    stop("`", old_name, "` is the old name of `", new_name, "`: give one, not both.", call. = FALSE)
  }
  old
}
