rules --pack supply-chain --format md
