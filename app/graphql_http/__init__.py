"""GraphQL over HTTP (HTTP.md): decoding requests, negotiating media types, writing responses."""
