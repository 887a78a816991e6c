"""Build the stand-in ``SMS-Agent.tar.gz`` (FOR TESTS ONLY) and its ``.sha256`` file.

    python -m tests.agent_standin.build --out DIR [--version 25.11.0] [--python /path/to/python]

The package has the layout of the real agent (``SMS-Agent/startup.sh``, ``shutdown.sh``,
``restart.sh``, ``agent/config/{auth.cfg,g-property.cfg,cloud-region.json}``, ``agent/Logs/``)
and is byte-for-byte reproducible: the same version and interpreter give the same SHA-256, a
different version gives a different one (what the role's upgrade path keys on).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import tarfile
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent / "package"
DEFAULT_VERSION = "25.11.0"
PACKAGE_NAME = "SMS-Agent.tar.gz"
MTIME = 1767225600  # 2026-01-01T00:00:00Z: fixed, so that builds are reproducible
EXECUTABLE_SUFFIXES = (".sh",)
EXECUTABLE_NAMES = ("linuxmain",)


def _substitute(data: bytes, version: str, python: str) -> bytes:
    return data.replace(b"@VERSION@", version.encode()).replace(b"@PYTHON@", python.encode())


def _is_executable(path: Path) -> bool:
    return path.suffix in EXECUTABLE_SUFFIXES or path.name in EXECUTABLE_NAMES


def _entries(version: str, python: str):
    """(TarInfo, bytes or None) for every directory and file under package/, sorted."""
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        info = tarfile.TarInfo(path.relative_to(PACKAGE_DIR).as_posix())
        info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "root", "root"
        if path.is_dir():
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            yield info, None
            continue
        data = _substitute(path.read_bytes(), version, python)
        info.size, info.mode = len(data), 0o755 if _is_executable(path) else 0o644
        yield info, data


def build(out_dir, version: str = DEFAULT_VERSION, python: str = sys.executable) -> tuple[Path, str]:
    """Write ``SMS-Agent.tar.gz`` and ``SMS-Agent.tar.gz.sha256`` into out_dir; return (path, sha256)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            for info, data in _entries(version, python):
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
    package = out / PACKAGE_NAME
    package.write_bytes(raw.getvalue())
    digest = hashlib.sha256(raw.getvalue()).hexdigest()
    (out / (PACKAGE_NAME + ".sha256")).write_text("%s  %s\n" % (digest, PACKAGE_NAME), encoding="ascii")
    return package, digest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.agent_standin.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="directory to write the package into")
    parser.add_argument("--version", default=DEFAULT_VERSION, help="agent version (default %(default)s)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter of the agent; needs huaweicloudsdksms (default: this one)")
    args = parser.parse_args(argv)
    package, digest = build(args.out, args.version, args.python)
    print("%s  %s" % (digest, package))
    return 0


if __name__ == "__main__":
    sys.exit(main())
