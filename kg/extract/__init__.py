"""Extraction stages: pure functions from an annotated document to mentions, relations and statements."""
