"""Subcommands of ``nrstudio`` beyond the core ones in :mod:`nrstudio.cli` (which imports
these modules so that they register)."""
