"""The benchmark harness: `python -m bench` (see `bench/README.md`).

Starts the demo upstreams, the BFF (and its comparison servers) as separate
processes on 127.0.0.1, pinned to CPUs where the machine allows, drives load
with `wrk` (or the pure-Python generator in `bench.loadgen.pyload`), and writes
`bench/results/<scenario>.json` plus `bench/results/README.md`.

One module, one job:

- `procs`: start, pin, observe (CPU time, RSS) and stop the processes.
- `upstream_server`, `upstream_control`: the demo upstreams with per-call timing, and
  their control API.
- `bare_server`: a bare Starlette endpoint answering fixed bytes (the HTTP floor).
- `naive_server`: the BFF with batching and per-request caching turned off in every loader.
- `inprocess`: graphql-core's bare `execute()` floor against the BFF's execution, in process.
- `loadgen`: the load generators (wrk, pure Python) behind one interface.
- `cluster`: which processes run for a scenario; `operations`: what is sent.
- `critical_path`: the slowest dependency chain of a request, from upstream-side timings.
- `node_peers`, `peer_cases`: the Node peers (install, start) and what is sent to them.
- `scenarios`: the seven scenarios; `report`: JSON and Markdown output.
"""
