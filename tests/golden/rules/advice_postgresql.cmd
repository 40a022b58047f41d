query {} 'explain STRIDE-T-01@stock'
