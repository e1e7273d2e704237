"""Finding problems: syntax errors (all of them, not only the first) and static checks."""
