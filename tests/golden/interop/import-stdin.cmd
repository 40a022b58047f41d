import otm -
