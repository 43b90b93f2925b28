"""The ftrack query language: grammar, compiler and projection loader."""
