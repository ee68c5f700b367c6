"""Load generators behind one interface (`runner.run_load`): wrk when installed, else the
pure-Python one (`pyload`). The same `spec.LoadSpec` in, the same `spec.LoadResult` out.

Kept import-light: `pyload` runs as a child process for every load.
"""
