report --format pdf {}
