"""The ``pgfactory`` command line: thin commands over the library API."""
