rules --pack ge-stack --format md
