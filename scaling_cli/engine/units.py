"""Unit constants (SI throughout: FLOP, seconds, bytes, USD)."""

SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0
WATT_HOURS_PER_MWH = 1e6
#: 1 petaflop/s-day, the unit of GPT-3's and InstructGPT's compute figures (Kaplan 2020 §2.1).
FLOP_PER_PETAFLOP_DAY = 1e15 * 86400
