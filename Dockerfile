# syntax=docker/dockerfile:1
# Evidence Ledger in a container: `evidence` is the entry point, all state lives in /data.
#
#   docker build -t evidence-ledger .
#   docker run --rm -e GITHUB_TOKEN -v "$PWD/evidence.toml:/data/evidence.toml:ro" \
#     -v evidence-data:/data evidence-ledger build
#
# Dependencies are exactly those in uv.lock (uv sync --locked). The final image has
# no uv, no compiler, no tests and no dev tools, and runs as an unprivileged user.

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM python:3.11-slim-bookworm AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/evidence
WORKDIR /src
# Third-party packages first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY README.md ./
COPY config ./config
COPY core ./core
COPY collector ./collector
COPY renderer ./renderer
COPY evidence ./evidence
# The project itself as a wheel, not a link to /src: the final stage copies only the venv.
RUN uv sync --locked --no-dev --no-editable

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 evidence \
    && useradd --system --uid 10001 --gid evidence --home-dir /data \
        --shell /usr/sbin/nologin evidence \
    && mkdir /data \
    && chown evidence:evidence /data
COPY --from=build /opt/evidence /opt/evidence
# Relative paths in the config resolve against its folder: with the config in /data,
# the store (.evidence/) and the site (output/) land on the volume.
ENV PATH=/opt/evidence/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EVIDENCE_CONFIG=/data/evidence.toml
WORKDIR /data
VOLUME ["/data"]
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
ENTRYPOINT ["evidence"]
CMD ["schedule"]
