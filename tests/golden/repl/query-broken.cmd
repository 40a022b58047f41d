query {} summary
