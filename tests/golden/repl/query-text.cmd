query {} threats where risk '>=' high by likelihood
