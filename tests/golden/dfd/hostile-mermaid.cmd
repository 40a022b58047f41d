dfd --format mermaid {}
