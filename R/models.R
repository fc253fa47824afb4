#' The models pybbdl knows
#'
#' One row per registered model (the Python registry `pybbdl.models.registry`, the one list every
#' door reads): its name (what `models =` takes), family, the contracts it follows (`windows`:
#' [forecast_compare()] and [forecast_backtest()]; `series`: [forecast_panel()] and
#' [forecast_series()]; `global`: panels, trained across series; `combination`: panel
#' combinations of other models' forecasts, [forecast_panel()]'s `combinations`), its
#' capabilities, its default parameters, the run-wide settings it takes and a one-line summary.
#'
#' @param contract `NULL` (every model), or one of `"windows"`, `"series"`, `"global"`,
#'   `"combination"`: only the models that follow it.
#' @return A data frame with columns `model`, `family`, `contracts`, `capabilities`, `defaults`,
#'   `settings`, `summary`.
#' @examples
#' if (pybbdl_available()) {
#'   pybbdl_models("series")$model
#' }
#' @export
pybbdl_models <- function(contract = NULL) {
  if (!is.null(contract)) {
    contract <- check_names(contract, "contract")
    if (length(contract) != 1L || !contract %in% c("windows", "series", "global", "combination")) {
      stop("`contract` must be NULL, \"windows\", \"series\", \"global\" or \"combination\", not ",
           describe(contract), ".",
           call. = FALSE)
    }
  }
  registry <- python_module("models.registry")
  table <- pandas_table_to_r(with_py_errors(registry$model_table()))
  if (!is.null(contract)) {
    keep <- reticulate::py_to_r(registry$model_names(contract))
    table <- table[table$model %in% unlist(keep), , drop = FALSE]
    rownames(table) <- NULL
  }
  table
}

#' The metrics pybbdl scores
#'
#' One row per metric of the Python metric registry (`pybbdl.evaluation.metrics`), the one list
#' the long and wide tables of [forecast_compare()] and [forecast_backtest()], their `print()`
#' method and the panel scores of [forecast_panel()] read. A metric registered in Python with
#' `pybbdl.evaluation.register_metric()` appears here and in every later comparison's tables.
#'
#' @param kind `NULL` (every metric), or one of `"point"` (MAE, RMSE, skill, sMAPE, MASE, OWA),
#'   `"test"` (Diebold-Mariano and Clark-West against each baseline), `"interval"` (coverage,
#'   width, Winkler at each level), `"distribution"` (pinball, CRPS), `"set"` (the model confidence
#'   set), `"fit"` (epochs, seconds, parameters).
#' @return A data frame with columns `metric` (its name in the long table's `metric` column,
#'   before `_<level>` or `_vs_<baseline>`), `kind`, `label` (as printed), `better` (`"lower"`,
#'   `"higher"` or `""`), `needs`, `per` (`"level"`, `"baseline"` or `""`), `scope` (`compare`
#'   and/or `panel`), `printed`, `builtin`, `description`.
#' @examples
#' if (pybbdl_available()) {
#'   pybbdl_metrics("point")[c("metric", "label", "better")]
#' }
#' @export
pybbdl_metrics <- function(kind = NULL) {
  kinds <- c("point", "test", "interval", "distribution", "set", "fit")
  if (!is.null(kind)) {
    kind <- check_names(kind, "kind")
    if (length(kind) != 1L || !kind %in% kinds) {
      stop("`kind` must be NULL or one of ", paste0('"', kinds, '"', collapse = ", "), ", not ",
           describe(kind), ".", call. = FALSE)
    }
  }
  table <- pandas_table_to_r(with_py_errors(python_module("evaluation.metrics")$metric_table()))
  table$printed <- as.logical(table$printed)
  table$builtin <- as.logical(table$builtin)
  if (!is.null(kind)) {
    table <- table[table$kind == kind, , drop = FALSE]
    rownames(table) <- NULL
  }
  table
}
