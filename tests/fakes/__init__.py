"""Fakes of the platforms pausebot talks to, for tests."""
