"""osipsc compiler: OpenSIPS .cfg source to Python module text. Never imported by generated code."""
