"""The repository explains itself: every document it cites exists in the clone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", ".git", "node_modules", "var", "__pycache__"}
CITING = ("*.py", "*.md", "*.sh", "*.yml", "*.toml", "Makefile", "Dockerfile")
MD_PATH = re.compile(r"(?<![\w/.-])((?:\.\./|[\w-]+/)*[\w.-]+\.md)\b")
MD_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
GENERATED = {"bench/results/latest.md", "latest.md"}  # written by `make bench`


def citing_files() -> list[Path]:
    found = []
    for pattern in CITING:
        for path in ROOT.rglob(pattern):
            if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts) and path != Path(__file__):
                found.append(path)
    return sorted(set(found))


def exists(cited: str, source: Path) -> bool:
    """Relative to the citing file, to the root, or to docs/ (what the doc generators write)."""
    return any((base / cited).exists() for base in (source.parent, ROOT, ROOT / "docs"))


@pytest.mark.parametrize("source", citing_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_document_a_file_cites_is_in_the_repository(source: Path) -> None:
    text = source.read_text(errors="replace")
    missing = {
        cited
        for cited in MD_PATH.findall(text)
        if cited not in GENERATED and not exists(cited, source)
    }
    assert not missing, f"{source.relative_to(ROOT)} cites {sorted(missing)}"


@pytest.mark.parametrize(
    "source",
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_relative_link_of_the_documentation_resolves(source: Path) -> None:
    links = [link for link in MD_LINK.findall(source.read_text()) if "://" not in link]
    assert all((source.parent / link).exists() for link in links), [
        link for link in links if not (source.parent / link).exists()
    ]


def test_the_documentation_a_newcomer_needs_is_there() -> None:
    for name in ("architecture", "events", "saga", "operations", "api"):
        assert (ROOT / "docs" / f"{name}.md").stat().st_size > 1000, name
    readme = (ROOT / "README.md").read_text()
    assert "### Adding a route" in readme and "### Adding an event" in readme
    assert "DESIGN.md" not in readme and "STYLE.md" not in readme
