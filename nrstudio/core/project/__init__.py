"""A user's whole work: the project object, its file format and sections, schemas, migrations,
the bundled example."""
