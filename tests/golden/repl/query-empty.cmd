query {} '  # only a comment'
