# bookclub-bot image: `docker compose up -d` (compose.yaml) or `docker build -t bookclub-bot .`
# Two stages: the build stage installs the package and its runtime dependencies (with the `metrics`
# extra, for /metrics) into a virtual environment; the final stage copies only that environment.

FROM python:3.12-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install ".[metrics,postgres]"

FROM python:3.12-slim
LABEL org.opencontainers.image.title="bookclub-bot" \
      org.opencontainers.image.description="A Goodreads-style book page, alive inside a Discord server."
# The database, and by default its daily backups, live in the /data volume; the health and metrics
# server listens on every interface of the container (publish it to the host's loopback only).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_PATH=/data/bookclub.sqlite3 \
    BACKUP_DIR=/data/backups \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin bookclub \
    && mkdir -p /data \
    && chown bookclub:bookclub /data
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# docker stop sends SIGTERM: the bot finishes what is in flight within SHUTDOWN_TIMEOUT (10 s) and
# exits 0; give it that long (compose.yaml sets stop_grace_period to 20 s).
STOPSIGNAL SIGTERM
# No curl in a slim image: Python asks /healthz (200 only with the gateway, the database and the
# scheduler all working).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('HTTP_PORT', '8080') + '/healthz', timeout=4)"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
