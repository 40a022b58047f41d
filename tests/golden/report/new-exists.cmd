new -o {}
