"""The ``accord`` command line: one module per verb."""
