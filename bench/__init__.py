"""Speed measurements, run as modules from the project root (``python -m bench.copy``): one of them is
named ``copy``, which as a plain script folder on ``sys.path`` would hide the standard library's."""
