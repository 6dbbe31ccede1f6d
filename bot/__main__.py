"""`python -m bot` runs the pausebot CLI."""

from bot.cli import main

main()
