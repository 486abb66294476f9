"""Defaults shared by the CLI and the engine, in a module light enough for the CLI to import."""

#: Monte Carlo samples behind every P10-P90 band. The standard error of a sample quantile is
#: sqrt(p(1-p)/n) / φ(z_p) standard deviations: 0.024σ at n = 5,000, i.e. under 0.5% of a P10 or P90
#: for the calibrated efficiency spread (σ ≈ 0.15-0.2 in log space), at a quarter of 20,000's cost.
MONTE_CARLO_SAMPLES = 5_000
#: Fixed seed so bands are reproducible from run to run (any value would do).
MONTE_CARLO_SEED = 20221104
