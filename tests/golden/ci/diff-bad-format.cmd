diff --format md-summary {} {}
