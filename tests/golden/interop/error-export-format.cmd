export --format csv {}
