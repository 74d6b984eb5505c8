"""Content-addressed evidence store: each file lives once under its SHA-256, written atomically.

A file is written to a temporary name, fsynced and renamed (and its directory fsynced) before the
row that names it commits, so a crash leaves at most an unreferenced object or a ``.tmp-`` file
(swept by `sweep_orphans`), never a half file under a real name. Objects are never modified.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from decisions.errors import IntegrityFailure
from decisions.storage.settings import get_settings

FULL = "磁盘已满，材料未保存，未写入任何内容 / the disk is full: the file was not stored, nothing written"
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}

#: a PDF rendition of an object (decisions.records.renditions) sits beside it as ``<sha256>.pdf``: not an object
RENDITION_SUFFIX = ".pdf"
#: an unreferenced object younger than this may belong to a transaction still running: keep it
ORPHAN_GRACE_SECONDS = 3600.0


def root() -> Path:
    return get_settings().data_dir / "objects"


def path_for(sha256: str) -> Path:
    return root() / sha256[:2] / sha256


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(path: Path) -> None:
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def put(data: bytes) -> str:
    """Store bytes; returns their SHA-256. Idempotent: the same content is stored once."""
    sha = digest(data)
    target = path_for(sha)
    if target.is_file() and target.stat().st_size == len(data) and file_sha256(target) == sha:
        os.utime(target)  # fresh again: the orphan sweep leaves it to the transaction about to use it
        return sha
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    except OSError as exc:
        if exc.errno in _FULL:
            raise IntegrityFailure(f"{FULL}: {root()}") from None
        raise
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in _FULL:
            raise IntegrityFailure(f"{FULL}: {root()}") from None
        raise
    return sha


def read(sha256: str) -> bytes:
    return path_for(sha256).read_bytes()


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _iter_files() -> Iterable[Path]:
    base = root()
    if not base.is_dir():
        return
    for sub in sorted(base.iterdir()):
        if sub.is_dir():
            yield from sorted(sub.iterdir())


def iter_objects() -> Iterable[Path]:
    """The stored objects (and ``.tmp-`` leftovers); renditions beside them are not objects."""
    return (p for p in _iter_files() if not p.name.endswith(RENDITION_SUFFIX) or p.name.startswith(".tmp-"))


def sweep_orphans(referenced: Iterable[str], min_age: float = ORPHAN_GRACE_SECONDS) -> list[Path]:
    """Remove temporary files and objects no row references (left by a crash or a rollback), and the
    renditions of objects no row references.

    Only files older than ``min_age`` seconds go: younger ones may belong to a transaction that has
    written its file and not yet committed its row (``min_age=0`` when nothing else is running).
    """
    keep = set(referenced)
    removed = []
    now = time.time()
    for p in _iter_files():
        name = p.name.removesuffix(RENDITION_SUFFIX) if not p.name.startswith(".tmp-") else p.name
        if name in keep and not p.name.startswith(".tmp-"):
            continue  # a referenced object, or the rendition of one
        try:
            if now - p.stat().st_mtime < min_age:
                continue
            p.unlink()
        except FileNotFoundError:
            continue
        removed.append(p)
    return removed
