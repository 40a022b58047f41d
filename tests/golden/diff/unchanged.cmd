diff {} {}
