"""Resource identifier transformers: map stored identifiers to usable ones."""
