"""``python -m bench <name> [flags]``: run ``bench/<name>.py``'s ``main``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def _names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(f"usage: python -m bench <name> [flags]; benchmarks: {', '.join(_names())}")
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in _names():
        print(f"no benchmark {name!r}; benchmarks: {', '.join(_names())}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{name}")
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
