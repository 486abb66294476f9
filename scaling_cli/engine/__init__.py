"""Pure arithmetic of the three scaling laws, costing and the ledger.

Every function takes floats or numpy arrays (broadcasting), returns the same, and never prints,
reads files or imports the CLI layer, so sweeps and Monte Carlo reuse exactly this code.
"""
