"""Import problems, located the way a person finds them in the file, and the refusal that
carries them all (an import is all or nothing)."""
from __future__ import annotations

from dataclasses import dataclass

FOUND_MAX = 60
SHOWN_MAX = 20


@dataclass(frozen=True)
class Problem:
    file: str  # file name as uploaded (no directory)
    line: int | None  # 1-based, as seen in Excel / a text editor (header line counts)
    column: str | None  # header as written in the file
    found: str | None  # short, truncated to FOUND_MAX characters
    expected: str  # French, e.g. "un nombre entier positif"
    sheet: str | None = None

    def __post_init__(self):
        if self.found is not None:
            # Control characters (a NUL byte, a stray escape) would print as nothing: name them.
            found = "".join(_visible(c) for c in self.found)
            if len(found) > FOUND_MAX:
                found = found[: FOUND_MAX - 1] + "…"
            object.__setattr__(self, "found", found)

    def message(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"feuille « {self.sheet} »")
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        found = f"trouvé « {self.found} », " if self.found is not None else ""
        end = "" if self.expected.endswith((".", "!", "?")) else "."
        return f"{', '.join(where)} : {found}attendu {self.expected}{end}"


def _visible(char: str) -> str:
    if char in "\t\n\r" or ord(char) >= 32 and ord(char) != 127:
        return char
    return "\\0" if char == "\0" else f"\\x{ord(char):02x}"


class ImportRefused(Exception):
    """Raised with every problem found; nothing is written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = list(problems)

    def __str__(self) -> str:
        lines = [p.message() for p in self.problems[:SHOWN_MAX]]
        rest = len(self.problems) - SHOWN_MAX
        if rest > 0:
            lines.append(f"… et {rest} autre{'s' if rest > 1 else ''} problème{'s' if rest > 1 else ''}")
        return "\n".join(lines)
