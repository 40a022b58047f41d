report {} -o {}
