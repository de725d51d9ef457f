"""Statistics: indicators, analysed variables, weights, spatial tests, densities."""
