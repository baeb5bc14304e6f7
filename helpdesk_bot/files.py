"""Files the desk writes (the SQLite database, exports, statistics, FAQ drafts): owner-only.

They hold officials' questions and staff answers; other users of the machine have no business
reading them. Example::

    with open_private(Path("queries.csv"), "w", encoding="utf-8") as out:
        out.write("...")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """``path`` and its missing parents, created owner-only (existing folders are left alone)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty if missing, and owner-only either way."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    os.chmod(path, FILE_MODE)
    return path


def open_private(path: Path, mode: str = "w", **options: Any) -> IO[Any]:
    """``open(path, mode, **options)`` on an owner-only file (created or truncated)."""
    private_file(path)
    return open(path, mode, **options)
