fmt --diff {}
