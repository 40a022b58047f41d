rules --pack hygiene
