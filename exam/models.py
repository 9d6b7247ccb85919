"""Registrations, sittings, question banks, papers, attempts and grading."""
