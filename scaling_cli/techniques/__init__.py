"""Post-training techniques, one module each (docs/DOMAIN.md §2).

Every module here except ``common`` and ``registry`` is one technique: its scenario spec, its step
builder, its formula line, its defaults with their sources, its warnings and whether it generates,
exported as ``TECHNIQUE`` (a ``common.Technique``). ``registry.TECHNIQUES`` finds them all; the
scenario's ``post_training`` union and the planner read that registry and nothing else.
"""
