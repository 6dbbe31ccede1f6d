"""The Slack adapter: slash commands, the log-hours modal, App Home and the Slack sender."""
