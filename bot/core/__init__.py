"""The domain: projects, hours, roles, reports. Imports no chat library."""
