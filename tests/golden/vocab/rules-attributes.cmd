rules --attributes
