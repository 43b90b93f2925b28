"""Storage: tables generated from the model, the database, and the fresh-site data."""
