"""Exam services: banks (`bank`), papers (`papers`) and attempts (`attempts`)."""
