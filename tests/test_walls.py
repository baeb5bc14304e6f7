"""The walls between the layers, read from the source with ``ast`` (nothing is imported).

- The channels (the Telegram adapter, helpdesk_bot/telegram/, and the console) call the desk, never
  the database or the models: they import neither SQLAlchemy nor helpdesk_bot.db nor
  helpdesk_bot.models. What they need of those the desk offers (desk.DatabaseFailure, the records
  it hands out, Desk.shown_database_url...).
- The matching and the YAML loaders stand without the database and without Telegram: neither
  they nor anything of the package they import, however indirectly, imports either.

Every import counts, wherever it is: at the top, in a function, under ``if TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "helpdesk_bot"

CHANNELS = [*sorted((PACKAGE / "telegram").glob("*.py")), PACKAGE / "console.py"]
CHANNELS_NEVER_IMPORT = ("sqlalchemy", "helpdesk_bot.db", "helpdesk_bot.models")

STANDALONE = [
    PACKAGE / f"{name}.py"
    for name in (
        "matcher",
        "spelling",
        "scope",
        "knowledge",
        # the YAML loaders
        "yamlfile",
        "states",
        "referrals",
        "results_framework",
        "texts",
        "text",
        "config",
    )
]
DATABASE_OR_TELEGRAM = (
    "sqlalchemy",
    "alembic",
    "helpdesk_bot.db",
    "helpdesk_bot.models",
    "telegram",
    "helpdesk_bot.telegram",
)


def module_name(path: Path) -> str:
    """``helpdesk_bot/telegram/intake.py`` -> ``helpdesk_bot.telegram.intake``."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_path(name: str) -> Path | None:
    """The package's file of module ``name``; None for another package's module, or a name
    that is not a module (``helpdesk_bot.desk.Asker``)."""
    if name != "helpdesk_bot" and not name.startswith("helpdesk_bot."):
        return None
    base = PACKAGE.parent.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def imported(path: Path) -> set[str]:
    """The absolute names of what the module at ``path`` imports; for ``from M import n``, both
    ``M`` and ``M.n`` (``n`` may be a module: ``from . import db``)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: each dot past the first goes one package up
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def is_within(name: str, modules: tuple[str, ...]) -> bool:
    return any(name == m or name.startswith(f"{m}.") for m in modules)


def forbidden_reached(start: Path, forbidden: tuple[str, ...]) -> list[str]:
    """Each forbidden import that ``start`` or the package's modules it imports (and their
    packages' ``__init__``) make, with the chain of modules that leads to it."""
    found = []
    came_from: dict[str, str | None] = {module_name(start): None}
    todo = deque([module_name(start)])
    while todo:
        module = todo.popleft()
        path = module_path(module)
        assert path is not None, module
        for name in sorted(imported(path)):
            if is_within(name, forbidden):
                chain, step = [], module
                while step is not None:
                    chain.append(step)
                    step = came_from[step]
                found.append(f"{' -> '.join(reversed(chain))} imports {name}")
                continue
            parts = name.split(".")
            # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
            for following in (".".join(parts[:n]) for n in range(1, len(parts) + 1)):
                if following not in came_from and module_path(following) is not None:
                    came_from[following] = module
                    todo.append(following)
    return found


def test_the_import_reader_sees_every_kind_of_import():
    """The walls below would hold vacuously if the reader missed imports: it reads the desk's."""
    names = imported(PACKAGE / "desk.py")
    assert {"sqlalchemy.orm", "helpdesk_bot.db", "helpdesk_bot.models"} <= names
    assert "helpdesk_bot.referral_records" in names  # from . import ..., referral_records, ...
    # Relative from a subpackage (..desk), and in a function (app.run's KnowledgeError).
    app = PACKAGE / "telegram" / "app.py"
    assert {"helpdesk_bot.desk", "helpdesk_bot.knowledge"} <= imported(app)
    # The transitive reading follows the package's modules: the adapter reaches the database
    # through the desk (as it should: the wall is about what it imports itself).
    chains = forbidden_reached(app, ("helpdesk_bot.db",))
    assert any(c.startswith("helpdesk_bot.telegram.app -> helpdesk_bot.desk") for c in chains)


@pytest.mark.parametrize("path", CHANNELS, ids=lambda p: module_name(p))
def test_the_channels_call_the_desk_never_the_database_or_the_models(path):
    reached = sorted(n for n in imported(path) if is_within(n, CHANNELS_NEVER_IMPORT))
    assert not reached, (
        f"{module_name(path)} imports {', '.join(reached)}: a channel goes through the desk "
        "(helpdesk_bot/desk.py offers the records, DatabaseFailure and the database's URL)"
    )


@pytest.mark.parametrize("path", STANDALONE, ids=lambda p: module_name(p))
def test_matching_and_the_yaml_loaders_import_neither_the_database_nor_telegram(path):
    assert path.is_file(), path
    reached = forbidden_reached(path, DATABASE_OR_TELEGRAM)
    assert not reached, "\n".join(reached)
