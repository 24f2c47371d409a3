"""Synthesis tables: the dataset model, reading and writing tables, validation, edits, the
new-project template."""
