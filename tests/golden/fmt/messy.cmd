fmt --check {}
