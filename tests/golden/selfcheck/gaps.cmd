check --self-check {}
