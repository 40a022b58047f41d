diff {}
