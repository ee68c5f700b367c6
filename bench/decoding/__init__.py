"""Candidate answer shapes for `python -m bench.decode`: the ways of decoding upstream
answers that were measured against the records the BFF uses (`loaders/records.py`)."""
