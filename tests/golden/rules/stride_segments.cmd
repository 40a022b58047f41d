query {} --today 2026-06-01 'threats where rule = STRIDE-E-08 or rule = STRIDE-E-09 or rule = STRIDE-E-10 or rule = STRIDE-S-07 or rule = STRIDE-S-03 or rule = STRIDE-S-04 or rule = STRIDE-T-10'
