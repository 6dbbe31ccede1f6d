"""pausebot: the Slack and Discord bot for contractors whose projects are paused."""
