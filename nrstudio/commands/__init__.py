"""The subcommands of ``nrstudio``, one module per group; each registers its commands
(:mod:`nrstudio.commands.registry`) when :mod:`nrstudio.cli` imports it."""
