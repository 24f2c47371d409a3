"""Shared test helpers: paths, project builders and tamperers, GUI dialog recorders.

Tests import these as ``from helpers.paths import EXAMPLE`` (``tests/`` is on pytest's
``pythonpath``); ``conftest.py`` holds only fixtures.
"""
