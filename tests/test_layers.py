"""Dependencies point one way (DESIGN.md, "Layout"): each app imports only the layers below
it, never one above it nor a sibling of its own layer. Imports inside functions count too:
a lazy import is still a dependency.

Layers, from the bottom. An app not yet written is listed where DESIGN.md puts it, so it
lands in the right place the day it appears.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS: list[set[str]] = [
    {"gymsite.core"},
    {"gymsite.accounts"},
    {"members", "inspections"},
    {"billing", "attendance", "training", "inventory"},
    {"devices", "classes"},
    {"backups"},
    # The owner's dashboard reads every app, backups included (backups imports none of it).
    {"dashboard"},
]
# inspections sits on accounts and nothing else of ours.
ALLOWED_BELOW: dict[str, set[str]] = {"inspections": {"gymsite.core", "gymsite.accounts"}}
# The project package (settings, urls, asgi, routing, celery) wires everything together.
PROJECT_MODULES = {"gymsite.settings", "gymsite.urls", "gymsite.asgi", "gymsite.wsgi", "gymsite.routing", "gymsite.celery"}


def _layer_of(module: str) -> tuple[int, str] | None:
    for index, layer in enumerate(LAYERS):
        for app in layer:
            if module == app or module.startswith(app + "."):
                return index, app
    return None


def _allowed(importer_app: str, importer_layer: int, imported_app: str, imported_layer: int) -> bool:
    if importer_app == imported_app:
        return True
    if importer_app in ALLOWED_BELOW:
        return imported_app in ALLOWED_BELOW[importer_app]
    return imported_layer < importer_layer


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from gymsite import accounts` names a module too.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    return found


def _source_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "var", "tests", "bench", "locale"} or "migrations" in relative.parts:
            continue
        files.append(path)
    return files


def layer_violations() -> list[str]:
    violations = []
    for path in _source_files():
        module = _module_name(path)
        if module in PROJECT_MODULES:
            continue
        own = _layer_of(module)
        if own is None:
            continue
        for lineno, target in _imports(path, module):
            other = _layer_of(target)
            if other is None:
                continue
            if not _allowed(own[1], own[0], other[1], other[0]):
                violations.append(f"{path.relative_to(ROOT)}:{lineno}: {own[1]} imports {target}")
    return sorted(set(violations))


def test_no_import_points_up_or_sideways():
    violations = layer_violations()
    assert not violations, "imports against the layers (DESIGN.md):\n" + "\n".join(violations)


def test_every_app_is_in_a_layer():
    """An app added without a place in LAYERS would escape the check."""
    apps = {
        path.parent.name
        for path in ROOT.glob("*/apps.py")
    } | {f"gymsite.{path.parent.name}" for path in (ROOT / "gymsite").glob("*/apps.py")}
    unplaced = sorted(app for app in apps if _layer_of(app) is None)
    assert not unplaced, f"apps with no layer in tests/test_layers.py: {unplaced}"


@pytest.mark.parametrize(
    ("importer", "source", "expected"),
    [
        ("gymsite/core/x.py", "from gymsite.accounts.models import Gym\n", True),
        ("gymsite/core/x.py", "def f():\n    from members import models\n", True),
        ("gymsite/accounts/x.py", "from gymsite.core import errors\n", False),
        ("members/x.py", "from billing.models import Plan\n", True),
        ("billing/x.py", "from attendance import services\n", True),
        ("billing/x.py", "from members.services import member_lock\n", False),
        ("billing/sub/x.py", "from ..models import Plan\n", False),
        ("inspections/x.py", "import members.models\n", True),
    ],
)
def test_the_check_catches_what_it_should(tmp_path, monkeypatch, importer, source, expected):
    """The checker itself: a wrong import in a lower layer is found, a right one is not."""
    path = ROOT / importer
    module = _module_name(path)
    path_in_tmp = tmp_path / "x.py"
    path_in_tmp.write_text(source)
    own = _layer_of(module)
    bad = [
        target
        for _lineno, target in _imports(path_in_tmp, module)
        if (other := _layer_of(target)) and not _allowed(own[1], own[0], other[1], other[0])
    ]
    assert bool(bad) is expected, bad
