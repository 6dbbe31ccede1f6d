"""Rate limits kept in memory: holds after HTTP 429 and a minimum gap per channel."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.core.words import Platform
from bot.notify.sender import Outgoing

# Slack allows about one message per second to a channel (a DM is a channel too).
CHANNEL_INTERVALS = {Platform.SLACK: 1.0}
PRUNE_ABOVE = 10_000


class RateLimits:
    """When each platform and each channel may be sent to next."""

    def __init__(self, channel_intervals: Mapping[str, float] | None = None) -> None:
        intervals = CHANNEL_INTERVALS if channel_intervals is None else channel_intervals
        self.channel_gaps = {name: timedelta(seconds=gap) for name, gap in intervals.items()}
        self.held_until: dict[str, datetime] = {}
        self.channel_free_at: dict[tuple[str, str, str], datetime] = {}

    def hold(self, platform: str, until: datetime) -> None:
        """Send nothing on a platform before `until` (after a 429 and its Retry-After)."""
        current = self.held_until.get(platform)
        if current is None or until > current:
            self.held_until[platform] = until

    def platform_free(self, platform: str, now: datetime) -> bool:
        """Whether no hold on the platform lasts beyond `now`."""
        held = self.held_until.get(platform)
        return held is None or held <= now

    def ready_at(self, message: Outgoing, now: datetime) -> datetime | None:
        """When the message may go out, or None when it may go now."""
        waits = [
            self.held_until.get(message.platform),
            self.channel_free_at.get(self._channel(message)),
        ]
        later = [at for at in waits if at is not None and at > now]
        return max(later) if later else None

    def sending(self, message: Outgoing, now: datetime) -> None:
        """Note a send to the message's channel, starting its gap."""
        gap = self.channel_gaps.get(message.platform)
        if not gap:
            return
        if len(self.channel_free_at) > PRUNE_ABOVE:
            self.channel_free_at = {key: at for key, at in self.channel_free_at.items() if at > now}
        self.channel_free_at[self._channel(message)] = now + gap

    @staticmethod
    def _channel(message: Outgoing) -> tuple[str, str, str]:
        """The platform conversation a message goes to."""
        return (message.platform, message.target_type, message.target)
