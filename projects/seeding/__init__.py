"""Data loaded into the database: the 2024 work report's records, demo and scale data."""
