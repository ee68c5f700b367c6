# syntax=docker/dockerfile:1
# One image for every environment; configuration only by BFF_* environment variables.

FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/bff
COPY pyproject.toml README.md ./
COPY app ./app
COPY schema ./schema
COPY resolvers ./resolvers
COPY loaders ./loaders
COPY planner ./planner
COPY persisted_queries ./persisted_queries
COPY demo ./demo
COPY bench ./bench
RUN /opt/bff/bin/pip install --upgrade pip && /opt/bff/bin/pip install .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/bff/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BFF_HOST=0.0.0.0 \
    BFF_PORT=8000 \
    BFF_ENV=production
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin bff
COPY --from=build /opt/bff /opt/bff
USER 10001
EXPOSE 8000
# Liveness only: /readyz (Redis reachable) is for the orchestrator's readiness probe, so a
# Redis outage takes replicas out of rotation instead of getting healthy ones restarted.
HEALTHCHECK --interval=10s --timeout=2s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('BFF_PORT', '8000')}/healthz\", timeout=1)"]
STOPSIGNAL SIGTERM
CMD ["bff", "serve"]
