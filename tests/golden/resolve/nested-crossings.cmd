check --no-rules {}
