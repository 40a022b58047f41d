repl {}
