rules --pack stride
