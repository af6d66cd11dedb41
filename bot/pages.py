"""The HTML pages' templates (bot/templates/), with Jinja2 loaded at the first page rendered:
a server that has only answered the API (or /healthz) has not imported it (0.02–0.08 s of a
start)."""
from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Templates:
    """Jinja2Templates' TemplateResponse, made on first use."""

    def __init__(self, directory: Path = TEMPLATES):
        self.directory = directory
        self._jinja = None

    def TemplateResponse(self, *args, **kw):  # noqa: N802 (Starlette's name, so callers keep theirs)
        if self._jinja is None:  # two threads racing make two equal ones; one is kept
            from fastapi.templating import Jinja2Templates

            self._jinja = Jinja2Templates(directory=str(self.directory))
        return self._jinja.TemplateResponse(*args, **kw)
