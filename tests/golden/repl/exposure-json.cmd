query {} elements --format json
