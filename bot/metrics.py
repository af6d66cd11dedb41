"""Prometheus metrics: requests and latency by route, questions by channel and outcome, the
answered ratio, the log's written and dropped rows, the index size. One registry per app."""
from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class AppCollector:
    """Read at scrape time from the app's live state (the index may be swapped, the store
    counts rows written by its own thread)."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        store, index = self.app.state.store, self.app.state.index
        asked = CounterMetricFamily("privacybot_questions", "Questions asked, by channel and outcome",
                                    labels=["channel", "answered"])
        answered = total = 0
        for (channel, ok), n in sorted((store.counts if store else {}).items()):
            asked.add_metric([channel, "true" if ok else "false"], n)
            total += n
            answered += n if ok else 0
        yield asked
        yield GaugeMetricFamily("privacybot_answered_ratio",
                                "Share of questions answered since start",
                                value=answered / total if total else 0.0)
        yield CounterMetricFamily("privacybot_log_rows_written",
                                  "Question rows written to the log",
                                  value=store.written if store else 0)
        yield CounterMetricFamily("privacybot_log_rows_dropped",
                                  "Question rows given up on (log database failing or queue full)",
                                  value=store.dropped if store else 0)
        yield GaugeMetricFamily("privacybot_log_database_up",
                                "1 when the last write to the log database (or check) succeeded",
                                value=1.0 if store is None or store.healthy else 0.0)
        yield CounterMetricFamily("privacybot_log_reconnects",
                                  "Log database connections dropped to start afresh (one that "
                                  "failed a write; all when the SQLite file was deleted or replaced)",
                                  value=store.reconnects if store else 0)
        yield GaugeMetricFamily("privacybot_index_clauses", "Clauses in the index served",
                                value=len(index.entries) if index else 0)
        yield GaugeMetricFamily("privacybot_index_policies", "Policies in the index served",
                                value=len(index.policies) if index else 0)


class Metrics:
    def __init__(self, app):
        self.registry = CollectorRegistry()
        self.requests = Counter("privacybot_http_requests", "HTTP requests",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("privacybot_http_request_duration_seconds",
                                 "Time to answer an HTTP request", ["route"],
                                 buckets=BUCKETS, registry=self.registry)
        self.registry.register(AppCollector(app))


class MetricsMiddleware:
    """Counts and times every HTTP request, labelled by route template (bounded labels)."""

    def __init__(self, app, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = 500

        async def tracking_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            route = scope.get("route")
            label = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], label, str(status)).inc()
            self.metrics.latency.labels(label).observe(time.perf_counter() - t0)
