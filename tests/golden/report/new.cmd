new --template ge-webapp
