"""Defaults shared by the CLI and the engine, in a module light enough for the CLI to import."""

#: Monte Carlo samples behind every P10-P90 band; 20,000 puts the sampling error of P10/P90 below 1%.
MONTE_CARLO_SAMPLES = 20_000
#: Fixed seed so bands are reproducible from run to run (any value would do).
MONTE_CARLO_SEED = 20221104
