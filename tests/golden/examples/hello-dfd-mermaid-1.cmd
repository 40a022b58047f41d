dfd --format mermaid --level 1 --today 2026-04-01 {}
