"""GraphiQL for developers, served entirely by the BFF (no CDN: it must work offline)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "graphiql"
STATIC_PREFIX = "/graphiql/static"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Storefront BFF · GraphiQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{prefix}/graphiql.min.css">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{prefix}/react.production.min.js"></script>
<script src="{prefix}/react-dom.production.min.js"></script>
<script src="{prefix}/graphiql.min.js"></script>
<script>
  const fetcher = GraphiQL.createFetcher({{
    url: window.location.pathname,
    headers: {{ "Apollo-Require-Preflight": "true" }},
  }});
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {{
    fetcher,
    defaultEditorToolsVisibility: true,
    defaultQuery: {default_query},
  }}));
</script>
</body>
</html>
"""


_DEFAULT_QUERY = """\
# Welcome to the Storefront BFF. Try a search:
{
  search(query: "lamp", first: 3) {
    totalCount
    edges { node { id title price { amount currency } availability { status } } }
  }
}
"""


@cache
def graphiql_page() -> str:
    return _PAGE.format(prefix=STATIC_PREFIX, default_query=json.dumps(_DEFAULT_QUERY))


GRAPHIQL_OFF = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Storefront BFF</title></head>
<body>
<h1>Storefront BFF</h1>
<p>This is a GraphQL endpoint. GraphiQL, the in-browser IDE, is off on this server
(it is off by default with <code>BFF_ENV=production</code>; <code>BFF_GRAPHIQL=true</code>
turns it on).</p>
<p>Send queries as <code>POST /graphql</code> with <code>Content-Type: application/json</code>
and a body <code>{"query": "..."}</code>.</p>
</body>
</html>
"""
"""For a browser opening `/graphql` where GraphiQL is off: what this is, and how to get it."""
