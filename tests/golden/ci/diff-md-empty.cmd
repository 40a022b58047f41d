diff --format md {} {}
