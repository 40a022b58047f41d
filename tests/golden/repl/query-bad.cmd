query {} 'threats where status = open and (rsk > low or kind = flow)'
