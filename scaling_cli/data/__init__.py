"""Package data: catalogs (with citations), the built-in default scenario and the init template."""
