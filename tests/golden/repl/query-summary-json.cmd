query {} summary --format json
