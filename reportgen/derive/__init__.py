"""derive stage."""
