"""The platform-neutral command layer: words or typed arguments in, a neutral Reply out."""
