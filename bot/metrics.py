"""Prometheus metrics: commands, latency, the outbox, deliveries and scheduler runs."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """pausebot's metrics in their own registry (one per process, or per test)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter(
            "pausebot_commands_total",
            "Commands handled, by name and outcome.",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.command_seconds = Histogram(
            "pausebot_command_seconds",
            "Time to handle a command, by name.",
            ["command"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.outbox_pending = Gauge(
            "pausebot_outbox_pending",
            "Outbox messages waiting for delivery.",
            registry=self.registry,
        )
        self.outbox_failed = Gauge(
            "pausebot_outbox_failed",
            "Outbox messages that failed for good.",
            registry=self.registry,
        )
        self.deliveries = Counter(
            "pausebot_deliveries_total",
            "Delivery attempts, by platform and outcome.",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.scheduler_runs = Counter(
            "pausebot_scheduler_runs_total",
            "Scheduled job runs, by job and outcome.",
            ["job", "outcome"],
            registry=self.registry,
        )

    def command_done(self, command: str, error: str | None, seconds: float) -> None:
        """Count a handled command (a known name, or "unknown") and its latency.

        Labels only ever hold command names from the command table and error kinds, never
        request text, so the number of series stays fixed.
        """
        outcome = error or "ok"
        self.commands.labels(command=command, outcome=outcome).inc()
        self.command_seconds.labels(command=command).observe(seconds)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
