"""The differential test: every query through planned execution and through graphql-core's
executor (the reference), which must give the same answer (issue 14, item 3)."""
