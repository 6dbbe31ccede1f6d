"""The Discord adapter: application commands, embeds and the Discord sender."""
