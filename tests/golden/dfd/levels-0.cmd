dfd {}
