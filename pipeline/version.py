"""The version of precis's code: the package version plus a hash of its sources.

The package version alone (``0.1.0``) stays the same from one commit to the next, so an
output signature built from it can't tell results of older code from today's. The hash
covers every Python file of the packages that compute outputs (``pipeline``, ``models``)
and their package data, read from wherever they are installed, so it is the same for a
wheel and an editable install of one commit, and changes with any edit of that code.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# The packages whose code shapes an output (eval/ scores outputs; it doesn't make them).
PACKAGES = ("pipeline", "models")


def package_version() -> str:
    try:
        return version("precis")
    except PackageNotFoundError:
        return "0+unknown"


@cache
def source_hash() -> str:
    """12 hex digits of a hash of the output-making packages' source files."""
    from importlib.util import find_spec

    # Found, not imported: hashing the sources loads none of their code (models/ imports torch's world).
    return tree_hash({name: Path(find_spec(name).submodule_search_locations[0]) for name in PACKAGES})


def tree_hash(roots: dict[str, Path]) -> str:
    """12 hex digits of a hash of each root's .py and .txt files, by name, in a fixed order (caches left out)."""
    digest = hashlib.sha256()
    for name, root in sorted(roots.items()):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".txt")):
            if "__pycache__" in path.parts:
                continue
            digest.update(f"{name}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def code_version() -> str:
    """``<package version>+src.<source hash>``, e.g. ``0.1.0+src.3f2a9c0d1b7e``: what signatures record."""
    return f"{package_version()}+src.{source_hash()}"
