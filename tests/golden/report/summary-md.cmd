report {}
