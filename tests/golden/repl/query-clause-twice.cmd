query {} 'threats limit 1 by risk limit 2'
