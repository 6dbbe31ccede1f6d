"""Splitting command text into words, keeping double-quoted strings together."""

from __future__ import annotations

from bot.core.errors import InvalidInput

OPENING_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»"}


def split_words(text: str) -> list[str]:
    """Words of a command line; "double quoted" (also curly) text is one word."""
    words: list[str] = []
    current: list[str] = []
    quoted_word = False
    index = 0
    while index < len(text):
        char = text[index]
        if char in OPENING_QUOTES:
            closing = OPENING_QUOTES[char]
            end = text.find(closing, index + 1)
            if char == "“" and end == -1:
                end = text.find('"', index + 1)
            if end == -1:
                raise InvalidInput(f"A quote is not closed; add the closing {closing}.")
            current.append(text[index + 1 : end])
            quoted_word = True
            index = end + 1
            continue
        if char.isspace():
            if current or quoted_word:
                words.append("".join(current))
            current, quoted_word = [], False
        else:
            current.append(char)
        index += 1
    if current or quoted_word:
        words.append("".join(current))
    return words


def split_command(line: str) -> tuple[str, str, list[str]]:
    """`(group, name, args)` from a line such as `/hours log ACME 2h`."""
    words = split_words(line.strip())
    if not words:
        return "", "", []
    group = words[0].lstrip("/").lower()
    name = words[1].lower() if len(words) > 1 else "help"
    return group, name, words[2:]
