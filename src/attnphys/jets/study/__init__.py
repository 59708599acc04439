"""The extreme-jet physics studies: prong classes by truth level, their diagnosis, learning curves."""
