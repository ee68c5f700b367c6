"""A local OTLP/HTTP trace collector for the tracing scenario: it takes every export
(decoding it, to count the spans, as a collector must) and answers at once.

`python -m bench.otlp_sink --port N`; `GET /healthz`; `GET /stats` → `{"exports", "spans"}`.
"""

from __future__ import annotations

import argparse
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

_ANSWER = ExportTraceServiceResponse().SerializeToString()


class Counts:
    def __init__(self) -> None:
        self.exports = 0
        self.spans = 0
        self.lock = threading.Lock()


def serve(port: int) -> None:
    counts = Counts()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a collector would

        def _send(self, status: int, body: bytes, media_type: str) -> None:
            self.send_response(status)
            self.send_header("content-type", media_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/stats":
                with counts.lock:
                    stats = {"exports": counts.exports, "spans": counts.spans}
                self._send(200, orjson.dumps(stats), "application/json")
            else:
                self._send(200, b'{"status":"ok"}', "application/json")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            request = ExportTraceServiceRequest.FromString(body)
            spans = sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
            with counts.lock:
                counts.exports += 1
                counts.spans += spans
            self._send(200, _ANSWER, "application/x-protobuf")

        def log_message(self, format: str, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
