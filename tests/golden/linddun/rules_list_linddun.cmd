rules --pack linddun
