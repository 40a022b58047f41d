dfd --format png {}
