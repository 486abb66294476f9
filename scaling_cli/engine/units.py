"""Unit constants (SI throughout: FLOP, seconds, bytes, USD): the one place each conversion factor is written."""

SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0
SECONDS_PER_DAY = SECONDS_PER_HOUR * HOURS_PER_DAY
WATT_HOURS_PER_MWH = 1e6
#: Vendors label HBM in decimal gigabytes (H100: 80 GB) or binary gibibytes (TPU v4: 32 GiB).
BYTES_PER_GB = 1e9
BYTES_PER_GIB = 2**30
#: The catalog gives HBM bandwidth in TB/s (decimal) and dense peaks in TFLOP/s.
BYTES_PER_TB = 1e12
FLOP_PER_TFLOP = 1e12
#: 1 petaflop/s-day, the unit of GPT-3's and InstructGPT's compute figures (Kaplan 2020 §2.1).
FLOP_PER_PETAFLOP_DAY = 1e15 * SECONDS_PER_DAY
