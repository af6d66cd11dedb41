"""The `privacybot` command (pyproject's entry point): bot/cli.py, with Python's cyclic garbage
collector off while the program imports its libraries and builds what it serves.

Those objects (FastAPI's and pydantic's classes, numpy, the index, the app: about 136,000)
live as long as the process, so collecting while they were made found nothing to free and
took about 0.1 s of a 1 s `serve` start. Once built they are frozen out of the collector's
sight (`gc.freeze`, which also spares every later full collection from walking them) and
collection resumes: `bot.cli.started()`. The start's own cyclic garbage frozen with them is
about 1,000 objects; a collection to find it would cost 0.045 s."""
from __future__ import annotations

import gc


def main() -> int:
    gc.disable()  # bot.cli turns it on again (started) once the command has built what it keeps
    from .cli import main as run

    return run()
