dfd --format mermaid --level 1 {}
