"""Delivery of outbox messages through one Sender per platform."""
