check --self-check --today 2026-05-02 {}
