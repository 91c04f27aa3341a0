"""The offline bundle that lets a bare GPU machine test, benchmark and build the tutorial."""
