query --strict {} 'threats where risk >= HIGH limit 3'
