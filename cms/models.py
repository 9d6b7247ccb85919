"""Wagtail pages: institution catalogues, courses and lessons (issue 3)."""
