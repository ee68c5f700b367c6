"""The differential test (issue 14, item 3): every query through planned execution and
through graphql-core's executor, the reference, which must give the same answer.

Two real BFF servers, `BFF_PLANNER=on` and `off`, share the demo upstreams
(conftest.py); each request goes to both over HTTP (exchange.py) and the
answers must agree as compare.py defines it: `data` with its key order, the
status, `extensions.cost` and `extensions.degraded`, and the errors, leaving
out only those inside a subtree another error nulled (graphql-core reports
those by timing).

What is sent:
- test_corpus.py: the contract operations with realistic variables
  (contract_corpus.py) and every document the test suite holds, with its
  variables (suite_corpus.py, extracted by extract_corpus.py; regenerate with
  `python -m tests.differential.extract_corpus --write` when tests change).
- test_generated.py: queries drawn from the served schema (generate.py, checked
  by test_generator.py), with healthy upstreams and with each service failing
  each way the demo can fail; a hanging service gets a 300 ms client budget
  (slow_machine.py drops the examples the machine's speed decided).
- test_mutations.py: the contract's cart mutations, from the same carts.
- test_empty_selections.py: explicit answers for selections with nothing to
  fetch, which both paths could get wrong alike.
"""
