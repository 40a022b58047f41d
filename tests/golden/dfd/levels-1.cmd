dfd --level 1 {}
