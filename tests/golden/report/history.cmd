report --today 2026-05-02 {}
