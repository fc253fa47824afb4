# Runs the testthat suite during R CMD check; tests that need Python skip, saying why, when the
# pybbdl Python package cannot be imported.
library(testthat)
library(pybbdl)

test_check("pybbdl")
