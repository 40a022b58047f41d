new --template nope
