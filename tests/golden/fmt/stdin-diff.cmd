fmt --diff -
