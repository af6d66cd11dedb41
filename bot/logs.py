"""Logging setup: readable lines by default, one JSON object per line with PRIVACYBOT_LOG_FORMAT=json."""
from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed with extra={} and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
               .replace("+00:00", "Z"),
               "level": record.levelname.lower(), "logger": record.name,
               "message": record.getMessage()}
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def log_config(fmt: str = "text", level: str = "info") -> dict:
    """A logging dictConfig for our loggers and uvicorn's (pass it as uvicorn's log_config)."""
    level = level.upper()
    formatter = ({"()": JsonFormatter} if fmt == "json" else
                 {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"})
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {
            "privacybot": {"handlers": ["main"], "level": level, "propagate": False},
            "index": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["main"], "level": level, "propagate": False},
        },
    }


def setup(fmt: str = "text", level: str = "info") -> dict:
    config = log_config(fmt, level)
    logging.config.dictConfig(config)
    return config
