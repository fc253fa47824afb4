#' US quarterly inflation and companion series
#'
#' US CPI inflation with real GDP growth, unemployment, the T-bill rate and the real interest
#' rate, quarterly, 1959Q2--2009Q3 (202 rows), from the `macrodata` set that ships with
#' statsmodels (so it works offline). The source's first quarter is dropped: its inflation and
#' growth are undefined.
#'
#' @return A data frame with a `date` column (class `Date`, the first day of each quarter) and
#'   the numeric columns `infl` (the default forecast target; % per year, annualised quarterly
#'   CPI inflation), `realgdp_growth` (% per year), `unemp` (% of the labour force), `tbilrate`
#'   (% per year) and `realint` (% per year, `tbilrate - infl`). The attribute `units` holds
#'   these units as a named character vector.
#' @family data
#' @export
#' @examples
#' if (pybbdl_available()) {
#'   macro <- macro_data()
#'   head(macro)
#'   plot(macro$date, macro$infl, type = "l")
#' }
macro_data <- function() {
  frame <- with_py_errors(python_module("data")$macro_data())
  out <- pandas_to_r_frame(frame, time_class = "Date")
  attr(out, "units") <- unlist(reticulate::py_to_r(frame$attrs$get("units")))
  out
}

#' The Jena climate record, as in Deep Learning with R
#'
#' Weather measured every 10 minutes at the Max Planck Institute for Biogeochemistry in Jena,
#' 2009--2016 (the Keras CSV, 420,551 rows), or an hourly `.npz` subset. With no `path` the
#' Keras archive is downloaded once into a cache (`PYBBDL_CACHE`, else `~/.cache/pybbdl`) and
#' checked. The -9999 wind-speed sentinels are replaced by 0 m/s.
#'
#' @param path A local `jena_climate_2009_2016.csv` (plain, `.zip` or `.gz`) or an hourly `.npz`
#'   subset (arrays `X`, `dates`, `cols`). `NULL` uses the cached download.
#' @param download If `FALSE`, never use the network (an error says what to pass instead).
#' @return A data frame whose first column `Date Time` holds the timestamps as recorded, as
#'   POSIXct in UTC (the record's local clock time, with no time-zone conversion, so that no
#'   daylight-saving gap or repeat appears), followed by the numeric columns with units in their
#'   names, as in the book (`p (mbar)`, `T (degC)`, ...). As in the book,
#'   `data.matrix(data[, -1])` gives the matrix that [generator()] takes, with the temperature in
#'   column 2 of the Keras CSV.
#' @family data
#' @export
#' @examples
#' \dontrun{
#' data <- jena_climate()                   # downloads 13 MB once
#' data <- jena_climate(path = "jena_climate_2009_2016.csv.zip")
#' }
jena_climate <- function(path = NULL, download = TRUE) {
  if (!is.null(path)) {
    check_string(path, "path")
    if (!file.exists(path)) {
      stop("`path` must name an existing file; ", path, " does not exist (relative to ", getwd(),
           ").", call. = FALSE)
    }
    path <- normalizePath(path)
  }
  check_flag(download, "download")
  frame <- with_py_errors(python_module("data")$jena_climate(path = path, download = download))
  pandas_to_r_frame(frame, time_class = "POSIXct")
}
