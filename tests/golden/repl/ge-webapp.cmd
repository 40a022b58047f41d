repl examples/ge-webapp/model.threat
