"""One renderer per output format, shared by every command.

Commands hand over a result object; ``views`` turns it into ``Table`` objects (for table, markdown
and CSV) and ``to_dict`` gives the JSON document. Only this package (and only lazily) imports rich.
"""
