"""Text as it enters: questions, ids and feedback from the API, Telegram updates, corpus files.

JSON may carry a lone UTF-16 surrogate ("\\ud800"), which Python keeps in a str but no
encoder, database or converter (OpenCC) accepts. Everything that reads outside text passes it
through clean_text() first; normalize() does too, so the engine defends itself.
"""
from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` with a surrogate pair joined into its character and a lone surrogate made U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_json(value: Any) -> Any:
    """clean_text() over every string (keys too) of a parsed JSON value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean_json(k): clean_json(v) for k, v in value.items()}
    return value
