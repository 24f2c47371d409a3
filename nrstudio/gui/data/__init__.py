"""The Data page: the table editor, its item model, the import dialog."""
