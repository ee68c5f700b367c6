"""Persisted queries (HTTP.md): APQ and trusted documents, with one store.

- `protocol`: what a request names (APQ hash, documentId, text) and the coded refusals;
- `resolver`: the pipeline's "resolve document" stage (manifests, then the per-process
  LRU of admitted documents, then the store; safelist mode);
- `store`: Redis (shared by instances) or memory (embedded default) document stores;
- `manifest`: Apollo persisted-query manifests, read and indexed;
- `apollo`: documents exactly as Apollo Client sends them (for `bff pq build --apollo`);
- `build`, `cli`: `bff pq build | push | list | check`;
- `manifests/`: shipped with the release. Rebuild after changing the contract (from the
  repository root, with OPS=../shared/contract/operations, M=persisted_queries/manifests):
  `bff pq build $OPS --apollo -o $M/contract.apollo.json` (ids as Apollo Client sends them)
  and `bff pq build $OPS -o $M/contract.json` (the files byte for byte).
"""
