"""Lay out a GameLift build of this server: ``python -m server.build OUT_DIR [--target local|aws] [--zip]``.

A GameLift build is a directory (uploaded as a zip) that GameLift copies to ``/local/game/`` on each instance; the
fleet's runtime configuration names the executable to launch there. This one holds::

    run-server.sh      LaunchPath /local/game/run-server.sh: runs ``python -m server "$@"`` from the build
    install.sh         run once per instance by GameLift after the copy: installs the dependencies
    requirements.txt   websockets, the server's only dependency outside the standard library
    server/            the game server package
    sdk/               the GameLift Server SDK for Python (sdk/gamelift_server)

``--target local`` (the default) writes the current interpreter's absolute path into run-server.sh, so a fleet on
``gamelift-local`` runs the server in this virtualenv, where websockets is installed already. ``--target aws``
writes ``python3.11`` and an install.sh that installs it and the requirements on Amazon Linux 2023 (UNCONFIRMED:
the package names are AL2023's; adjust for another image).

Fleet settings that go with it: LaunchPath ``/local/game/run-server.sh``, Parameters ``--port-range FROM-TO`` with
the fleet's inbound permission range (gamelift-local reserves a port per process itself, so it needs none), and
as many ConcurrentExecutions per instance as the range has ports.
"""

from __future__ import annotations

import argparse
import shutil
import stat
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (("server", ROOT / "server"), ("sdk/gamelift_server", ROOT / "sdk" / "gamelift_server"))
REQUIREMENTS = "websockets>=15\n"
LAUNCH_SCRIPT = "run-server.sh"
AWS_PYTHON = "python3.11"


def run_script(python: str) -> str:
    return f"""#!/bin/sh
# GameLift launches this (LaunchPath /local/game/{LAUNCH_SCRIPT}) with the fleet's launch Parameters as arguments.
# The GAMELIFT_SDK_* environment comes from the GameLift Agent (or gamelift-local) and passes through untouched.
cd "$(dirname "$0")" || exit 1
exec "{python}" -m server "$@"
"""


def install_script(python: str, target: str) -> str:
    if target == "local":
        return f"""#!/bin/sh
# Local build: {python} already has the requirements (it is the virtualenv that built this package).
"{python}" -c "import websockets" || "{python}" -m pip install -r "$(dirname "$0")/requirements.txt"
"""
    return f"""#!/bin/sh
# Runs once per instance after GameLift copies the build to /local/game (as root, on Amazon Linux 2023).
set -e
dnf install -y {python} {python}-pip
{python} -m pip install -r /local/game/requirements.txt
"""


def build(out: Path, target: str = "local", python: str | None = None) -> Path:
    """Write the build directory ``out`` (replacing it) and return it."""
    python = python or (sys.executable if target == "local" else AWS_PYTHON)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "logs")
    for name, source in PACKAGES:
        shutil.copytree(source, out / name, ignore=ignore)
    (out / "sdk" / "__init__.py").write_text('"""The GameLift Server SDK for Python, as shipped in this build."""\n')
    (out / "requirements.txt").write_text(REQUIREMENTS)
    for name, text in ((LAUNCH_SCRIPT, run_script(python)), ("install.sh", install_script(python, target))):
        path = out / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return out


def zip_build(directory: Path, archive: Path) -> Path:
    """Zip a build directory keeping file modes (the launch script must stay executable)."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, str(path.relative_to(directory)))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    return archive


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.build", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="build directory to write (replaced if it exists)")
    parser.add_argument("--target", choices=("local", "aws"), default="local")
    parser.add_argument("--python", help="interpreter run-server.sh uses (default: this one for local, "
                        f"{AWS_PYTHON} for aws)")
    parser.add_argument("--zip", action="store_true", help="also write OUT.zip for upload")
    options = parser.parse_args(argv)
    out = build(options.out.resolve(), options.target, options.python)
    print(f"build: {out}  (LaunchPath /local/game/{LAUNCH_SCRIPT})")
    if options.zip:
        print(f"zip: {zip_build(out, out.with_suffix('.zip'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
