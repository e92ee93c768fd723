"""The ``basalt`` command line: ``basalt <noun> <verb>``."""
