query {} 'threats where boundary = TB-01 and status != mitigated' --format json
