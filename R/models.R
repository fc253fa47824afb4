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
