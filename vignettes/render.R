# Render one vignette to HTML: Rscript vignettes/render.R <file.Rmd> <output dir> <quick: true|false>
# Used by `make vignettes` (one R process per vignette, so no Python or Keras state is shared).
# The intermediate files (knitr's figures, .md) go to a temporary folder, never into vignettes/.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 3) stop("usage: Rscript vignettes/render.R <file.Rmd> <output dir> <true|false>", call. = FALSE)
input <- normalizePath(args[[1]])
out_dir <- args[[2]]
quick <- switch(tolower(args[[3]]), true = , `1` = , yes = TRUE, false = , `0` = , no = FALSE,
                stop("quick must be true or false, not ", args[[3]], call. = FALSE))
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
work <- tempfile("pybbdl-vignette-")
dir.create(work)
started <- Sys.time()
rmarkdown::render(input, output_dir = normalizePath(out_dir), intermediates_dir = work,
                  knit_root_dir = dirname(input), params = list(quick = quick),
                  envir = new.env(), quiet = TRUE)
unlink(work, recursive = TRUE)
cat(sprintf("rendered %s (%s mode) in %.0f s\n", basename(input), if (quick) "quick" else "full",
            as.numeric(difftime(Sys.time(), started, units = "secs"))))
