"""Enrolments, study sessions, the hours ledger, credential rules and certificates."""
