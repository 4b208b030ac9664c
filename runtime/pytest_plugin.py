"""pytest plugin (entry point ``pytest11``): fixtures for testing OpenSIPS scripts.

Kept import-light: loading it costs nothing for test suites that do not use its fixtures.
"""
