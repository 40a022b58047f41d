import threagile
