"""YAML that remembers line numbers, and problems reported as ``file:line: message``.

Example::

    data, problems = read_yaml(Path("knowledge/opcat.yaml"))
    data["entries"][0].line          # 1-based line where the first entry starts
    data.key_line("entries")         # line of the key itself
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, SequenceNode


@dataclass(frozen=True, order=True)
class Problem:
    """One defect in the Secretariat's YAML."""

    file: str
    line: int
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class LineDict(dict):
    """A mapping from YAML with the line of the mapping and of each key."""

    line: int = 0
    key_lines: dict[Any, int]

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML with the line of the sequence and of each item."""

    line: int = 0
    item_lines: list[int]

    def item_line(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _LineLoader(yaml.SafeLoader):
    """The pure-Python parser: slow, but its errors name the token or character at fault."""


class _FastLineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser (where PyYAML has it): the same nodes and lines, ~9x faster."""


def _construct_mapping(loader: _LineLoader, node: MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            ) from None
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


for _loader in (_LineLoader, _FastLineLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _parse(text: str) -> Any:
    """The fast parser reads every file; a file it refuses is read again by the pure-Python one,
    whose error says which token or character is at fault (and where)."""
    try:
        return yaml.load(text, Loader=_FastLineLoader)
    except yaml.YAMLError:
        return yaml.load(text, Loader=_LineLoader)


def language_texts(
    file: str, item: LineDict, key: str, languages: tuple[str, ...], *, owner: str = ""
) -> tuple[dict[str, str], list[Problem]]:
    """``item[key]`` as {language: text}, with a Problem for each language missing.

    Example: ``titles, problems = language_texts("tools.yaml", tool, "title", ("en", "fr"))``
    """
    who = f"{owner}: " if owner else ""
    value = item.get(key)
    if not isinstance(value, LineDict):
        names = ", ".join(languages[:-1]) + f" and {languages[-1]}"
        return {}, [Problem(file, item.key_line(key), f"{who}'{key}' needs {names} texts")]
    texts: dict[str, str] = {}
    problems = []
    for language in languages:
        text = value.get(language)
        if isinstance(text, str) and text.strip():
            texts[language] = " ".join(text.split())
        else:
            problems.append(
                Problem(file, value.line, f"{who}'{key}' is missing its {language} text")
            )
    return texts, problems


def display_path(path: Path) -> str:
    """The path as the Secretariat would type it: relative to the working folder when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a Problem with its line, never an exception."""
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(name, 1, "the file is not UTF-8 text")]
    except OSError as exc:
        return None, [Problem(name, 1, f"cannot read the file: {exc.strerror}")]
    try:
        return _parse(text), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(name, line, f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(name, 1, f"invalid YAML: {exc}")]
