dfd --strict --format mermaid {}
