# privacybot: API, widget, policy pages, admin and (webhook mode) the Telegram bot on port 8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PRIVACYBOT_HOST=0.0.0.0 PRIVACYBOT_PORT=8000 PRIVACYBOT_CORPUS=/app/corpus \
    DATABASE_URL=sqlite:////data/privacybot.sqlite3 PRIVACYBOT_CACHE_DIR=/data/index-cache \
    NUMBA_CACHE_DIR=/app/numba-cache
WORKDIR /app
COPY pyproject.toml README.md ./
COPY index ./index
COPY bot ./bot
RUN pip install . && useradd --system --uid 10001 --home /app privacybot \
    && mkdir -p /data/index-cache && chown -R privacybot /data
COPY corpus ./corpus
# Compile the scoring kernel (numba) into the image, so replicas start without compiling.
RUN python -c "from index import PolicyIndex, load_corpus; PolicyIndex(load_corpus('corpus'))" \
    && chown -R privacybot /app/numba-cache
USER privacybot
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["privacybot", "serve"]
