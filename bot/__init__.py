"""privacybot delivery: HTTP API, policy pages and the command line. Calls `index` only."""
