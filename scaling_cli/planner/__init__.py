"""The plan pipeline: a validated scenario in, every section of a ``Plan`` out (``planner.plan``).

One module per step: ``hardware`` (defaults and catalog figures), ``pretraining``, ``post_training``,
``test_time`` and ``serving`` (each law's section from engine calls), ``total`` (the ledger),
``bands`` (P10-P90 from the Monte Carlo twin). Commands live in ``scaling_cli.commands``.
"""
