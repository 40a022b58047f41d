query {} --today 2026-06-01 'threats where rule = HYG-17 or rule = HYG-14'
