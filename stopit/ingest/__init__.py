"""Ingest: bring reports in from the mailbox or a pipe, read their headers safely, classify them."""
