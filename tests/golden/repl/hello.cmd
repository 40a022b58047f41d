repl examples/hello.threat
