"""One module per command: plain arguments in, a typed result (``to_dict`` and ``tables``) out.

``scaling_cli.cli`` only wires typer to these functions and hands their results to
``render.emit``; nothing here prints.
"""
