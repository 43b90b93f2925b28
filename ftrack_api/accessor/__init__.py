"""Data accessors: reading and writing component data in a storage."""
