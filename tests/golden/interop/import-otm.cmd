import otm tests/golden/interop/export-otm.out
