"""Scenario format v1: pydantic models (``root.Scenario`` and its blocks), loading with positions and
``--set`` overrides (``loading``), ranges (``ranges``), and the frozen inputs the planner reads
(``inputs``). Nothing is imported here, so any module of the package can be imported first."""
