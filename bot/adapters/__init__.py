"""Chat platform adapters: thin translations between a platform and the command layer."""
