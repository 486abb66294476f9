"""Scenario format v1: pydantic models, loading with positions, and ``--set`` overrides."""

from scaling_cli.scenario.root import Scenario

__all__ = ["Scenario"]
