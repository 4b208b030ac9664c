"""osipsc compiler: OpenSIPS .cfg source to Python module text. Never imported by generated code."""

__version__ = "0.1.0"
