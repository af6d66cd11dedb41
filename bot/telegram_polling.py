"""The Telegram bot polling inside `privacybot serve`, when TELEGRAM_BOT_TOKEN is set and no
webhook is: one process serves the widget, the API and the bot (handoffs included).

TELEGRAM_POLLING=off leaves polling to a separate `privacybot telegram` process (two pollers of
one bot exclude each other at the Bot API). Like the webhook, a Bot API that cannot be reached
at start is retried in the background and never stops the web server.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from telegram import Update

from .settings import Settings
from .telegram import ConfigError, InServer, TelegramBot, TelegramConfig

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("privacybot.telegram")


class Poller(InServer):
    """The bot polling the Bot API from inside the web server."""

    def __init__(self, bot: TelegramBot):
        super().__init__(bot, polling=True)

    async def _try_start(self) -> bool:
        started = await super()._try_start()
        if self.running and not self.application.updater.running:
            await self.application.updater.start_polling(allowed_updates=Update.ALL_TYPES,
                                                         poll_interval=0, timeout=20)
            log.info("Telegram bot polling inside the web server")
        return started

    async def _stop_receiving(self) -> None:
        await self.application.updater.stop()


def attach(app: "FastAPI", settings: Settings | None,
           environ: Mapping[str, str]) -> Poller | None:
    """A Poller for the app when TELEGRAM_BOT_TOKEN is set (and TELEGRAM_POLLING is not off)."""
    if not environ.get("TELEGRAM_BOT_TOKEN", "").strip():
        return None
    if environ.get("TELEGRAM_POLLING", "").strip().lower() in ("off", "false", "0", "no"):
        log.info("TELEGRAM_POLLING=off: the bot runs elsewhere (privacybot telegram)")
        return None
    try:
        config = TelegramConfig.from_env(environ, settings)
    except ConfigError as e:
        log.error("Telegram bot not started: %s", e)
        return None
    return Poller(TelegramBot(config, lambda: app.state.index,
                              lambda: getattr(app.state, "store", None)))


def no_polling_in_workers(environ) -> str | None:
    """`serve --workers N`: N pollers of one bot would take turns failing at the Bot API (409
    Conflict), so the workers do not poll (TELEGRAM_POLLING=off in `environ`, which they
    inherit). Returns what to tell the operator, or None when there was nothing to stop."""
    polling = environ.get("TELEGRAM_POLLING", "").strip().lower() not in ("off", "false", "0", "no")
    if (not environ.get("TELEGRAM_BOT_TOKEN", "").strip()
            or environ.get("TELEGRAM_WEBHOOK_URL", "").strip() or not polling):
        return None
    environ["TELEGRAM_POLLING"] = "off"
    return ("TELEGRAM_BOT_TOKEN is set but several workers cannot all poll one bot: they will not; "
            "run `privacybot telegram` beside them, or set TELEGRAM_WEBHOOK_URL")
