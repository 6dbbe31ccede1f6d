"""The layers' rules, read from the source: who imports whom, and words spelled once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
CHAT_LIBRARIES = ("slack_bolt", "slack_sdk", "discord", "aiohttp")
# Each layer, and the prefixes of modules it must never import.
FORBIDDEN = {
    "bot.core": (
        "bot.commands",
        "bot.adapters",
        "bot.notify",
        "bot.scheduling",
        "bot.app",
        "bot.cli",
        "bot.web",
        "bot.metrics",
        *CHAT_LIBRARIES,
    ),
    "bot.commands": ("bot.adapters", "bot.notify", "bot.scheduling", "bot.app", *CHAT_LIBRARIES),
    "bot.notify": ("bot.commands", "bot.adapters", "bot.scheduling", "bot.app", "bot.cli"),
    "bot.scheduling": ("bot.commands", "bot.adapters", "bot.notify", "bot.app", "bot.cli"),
    "bot.metrics": ("bot.commands", "bot.adapters", "bot.core"),
}
# Words of SPEC that live in bot/core/words.py as enums and must not be spelled elsewhere.
ENUM_WORDS = {"paused", "active", "closed", "worked", "blocked"}


def modules() -> list[tuple[str, ast.Module]]:
    """Every module of the bot package, by dotted name, parsed."""
    found = []
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def imported(tree: ast.Module) -> set[str]:
    """The absolute names of every module a module imports."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def under(name: str, prefix: str) -> bool:
    """Whether a dotted name is the module `prefix` or inside it."""
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("layer", list(FORBIDDEN))
def test_layers_import_only_what_lies_below(layer):
    """No module of a layer imports a layer above it or a chat library it must not know."""
    broken = [
        f"{name} imports {target}"
        for name, tree in modules()
        if under(name, layer)
        for target in imported(tree)
        if any(under(target, banned) for banned in FORBIDDEN[layer])
    ]
    assert not broken


def test_state_and_kind_words_are_spelled_only_in_words_py():
    """`"paused"`, `"worked"` and the rest appear as string literals only in bot/core/words.py."""
    spelled = [
        f"{name}:{node.lineno} {node.value!r}"
        for name, tree in modules()
        if name != "bot.core.words"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in ENUM_WORDS
    ]
    assert not spelled


def test_the_internal_error_sentence_is_written_once():
    """One internal-error reply: its sentence exists in one module only."""
    holders = [name for name, tree in modules() if "Something went wrong" in ast.unparse(tree)]
    assert holders == ["bot.core.present"]


def test_the_core_returns_no_loose_dicts():
    """No core function is annotated to return `dict[str, Any]`, except JSON serialisers."""
    loose = [
        f"{name}.{node.name}"
        for name, tree in modules()
        if under(name, "bot.core")
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.returns is not None
        and ast.unparse(node.returns) == "dict[str, Any]"
        and node.name != "to_json"
    ]
    assert not loose
