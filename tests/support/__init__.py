"""Real components the suite starts itself."""
