"""Content-addressed evidence store: each file lives once under its SHA-256, written atomically.

A file is written to a temporary name, fsynced and renamed before the row that names it commits,
so a crash leaves at most an unreferenced object (swept by `sweep_orphans`), never a half file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from decisions.settings import get_settings


def root() -> Path:
    return get_settings().data_dir / "objects"


def path_for(sha256: str) -> Path:
    return root() / sha256[:2] / sha256


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(data: bytes) -> str:
    """Store bytes; returns their SHA-256. Idempotent: the same content is stored once."""
    sha = digest(data)
    target = path_for(sha)
    if target.exists() and target.stat().st_size == len(data):
        return sha
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha


def read(sha256: str) -> bytes:
    return path_for(sha256).read_bytes()


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sweep_orphans(referenced: Iterable[str]) -> list[Path]:
    """Remove temporary files and objects no row references (left by a crash or a rollback)."""
    keep = set(referenced)
    removed = []
    if not root().exists():
        return removed
    for p in root().glob("*/*"):
        if p.name.startswith(".tmp-") or p.name not in keep:
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed
