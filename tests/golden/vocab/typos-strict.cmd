check --strict {}
