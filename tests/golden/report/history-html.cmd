report --format html --today 2026-05-02 {}
