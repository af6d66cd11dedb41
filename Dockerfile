# privacybot: API, widget, policy pages, admin and (webhook mode) the Telegram bot on port 8000.
# Two stages: the first installs the project and its runtime dependencies (wheels only, no
# compiler) into a virtual environment; the final image gets that environment and the corpus,
# without pip's cache, the build's sources, tests or test tools. BASE is python:3.11-slim; a
# build may give a stand-in with the same Python (--build-arg BASE=…).
ARG BASE=python:3.11-slim

FROM ${BASE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/privacybot
COPY pyproject.toml README.md /src/
COPY index /src/index
COPY bot /src/bot
# `.`, not `.[dev]`: serving needs no test tools. Wheels where they exist (jieba is a pure
# Python sdist); the base has no compiler, so nothing is compiled. Then what serving never
# runs goes: pip and setuptools (jieba falls back from pkg_resources to open()), and the
# libraries' own test suites (numpy, numba, llvmlite: tens of MB with their bytecode).
RUN /opt/privacybot/bin/pip install --prefer-binary /src \
    && /opt/privacybot/bin/pip uninstall --yes --quiet pip setuptools \
    && find /opt/privacybot/lib -depth -type d -name tests -exec rm -rf {} +

FROM ${BASE}
ENV PATH=/opt/privacybot/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HOME=/app \
    PRIVACYBOT_HOST=0.0.0.0 PRIVACYBOT_PORT=8000 PRIVACYBOT_CORPUS=/app/corpus \
    DATABASE_URL=sqlite:////data/privacybot.sqlite3 PRIVACYBOT_CACHE_DIR=/data/index-cache \
    NUMBA_CACHE_DIR=/app/numba-cache
RUN useradd --system --uid 10001 --home-dir /app --no-create-home privacybot \
    && mkdir -p /app /data/index-cache && chown -R privacybot /data
COPY --from=build /opt/privacybot /opt/privacybot
WORKDIR /app
COPY corpus ./corpus
# Compile the scoring kernel (numba) into the image, so replicas serving a large corpus start
# without compiling (a corpus under engine.COMPILED_FROM clauses, like the shipped one, is
# scored in numpy and never loads numba).
RUN python -c "from index import engine, load_corpus; engine.COMPILED_FROM = 0; engine.PolicyIndex(load_corpus('corpus'))" \
    && test -n "$(ls /app/numba-cache)" && chown -R privacybot /app/numba-cache
USER privacybot
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["privacybot", "serve"]
