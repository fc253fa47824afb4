# R's forecast::ets and auto.arima on M3 series, timed per series: the R peer of benchmarks/m3.py.
#   Rscript benchmarks/m3_r_peer.R IDS_FILE OUT_DIR
# IDS_FILE: series ids, one per line; OUT_DIR gets "R ets.csv.gz", "R auto.arima.csv.gz" (+ .wall),
# the layout `python benchmarks/m3.py --load OUT_DIR` scores beside the other models.
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
ids <- readLines(args[1])
out_dir <- args[2]
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
shared <- Sys.getenv("PYBBDL_SHARED_DATA", file.path(dirname(getwd()), "shared", "data"))
d <- read.csv(gzfile(file.path(shared, "m3", "m3_series.csv.gz")))
d <- d[d$id %in% ids & d$part == "train", ]
for (which in c("ets", "auto.arima")) {
  rows <- list()
  t_all <- proc.time()[["elapsed"]]
  for (i in ids) {
    s <- d[d$id == i, ]
    s <- s[order(s$t), ]
    x <- ts(s$value, frequency = s$frequency[1])
    h <- s$horizon[1]
    t0 <- proc.time()[["elapsed"]]
    f <- if (which == "ets") forecast(ets(x), h = h) else forecast(auto.arima(x), h = h)
    rows[[i]] <- data.frame(id = i, step = seq_len(h), value = as.numeric(f$mean),
                            seconds = proc.time()[["elapsed"]] - t0, error = "")
  }
  wall <- proc.time()[["elapsed"]] - t_all
  label <- paste("R", which)
  write.csv(do.call(rbind, rows), gzfile(file.path(out_dir, paste0(label, ".csv.gz"))), row.names = FALSE)
  writeLines(sprintf("%.3f s, %d series, sequential (Rscript)", wall, length(ids)),
             file.path(out_dir, paste0(label, ".wall")))
}
