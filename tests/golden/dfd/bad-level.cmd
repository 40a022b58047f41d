dfd --level 2 {}
