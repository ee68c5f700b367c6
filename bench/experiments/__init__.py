"""Experiments: changes to the server tried from outside, to measure before and after.

Each is a directory holding a `sitecustomize.py`, loaded by the BFF when the directory
is on its PYTHONPATH, e.g.
`python -m bench.profile --label gc_freeze --env PYTHONPATH=bench/experiments/gc_freeze`.
They patch the running server only; the real change belongs in the application code.
"""
