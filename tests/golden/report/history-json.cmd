report --format json --today 2026-05-02 {}
