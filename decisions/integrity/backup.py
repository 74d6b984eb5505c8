"""`juece backup PATH` / `juece restore PATH`: a consistent snapshot of database + evidence store.

A backup is a directory::

    PATH/manifest.json     what is inside, with the SHA-256 of every file, the row count of every
                           table, the schema revisions and the head of every audit chain
    PATH/database.jsonl    a logical export: per table a header line, then one line per row
    PATH/objects/ab/ab…    every evidence file the snapshot's rows name, under its SHA-256

The database is read in one consistent snapshot while the application keeps running (SQLite:
the sqlite3 online backup API copies the file first; PostgreSQL: one REPEATABLE READ, READ ONLY
transaction). Evidence files are immutable and written before the rows that name them commit, so
the files named by the snapshot are all there; each is hashed as it is copied. The export is
portable: a SQLite backup restores into PostgreSQL and back.

A backup of a record that does not verify (an edited audit row, a row that no longer matches the trail, a
damaged SQLite page) is refused (exit 6): the snapshot is checked before the backup is written.

Restore wants an empty deployment at the same schema revisions and is all or nothing: it checks every hash
of the backup and parses every row first (exit 6 naming each bad file or line), inserts every row in one
transaction (tables in foreign-key order), moves PostgreSQL sequences past the restored ids, runs the full
verify over the rows inside that transaction, puts the evidence files and commits. A failure anywhere rolls
back and removes the files it put: the deployment is left empty, ready for a good backup.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, Table, create_engine, func, select, text
from sqlalchemy import types as sqltypes

from decisions import clock
from decisions.errors import BadInput, IntegrityFailure
from decisions.integrity import service as integrity
from decisions.records import evidence_store
from decisions.storage import db
from decisions.storage.settings import get_settings

FORMAT = "juece-backup/1"
_SHA = re.compile(r"[0-9a-f]{64}")
SKIP_TABLES = {"alembic_version"}
CHUNK = 1 << 20


# ------------------------------------------------------------------ value encoding
def _encode(value: Any, ctype: sqltypes.TypeEngine) -> Any:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _decode(value: Any, ctype: sqltypes.TypeEngine) -> Any:
    if value is None:
        return None
    if isinstance(ctype, sqltypes.LargeBinary):
        return base64.b64decode(value)
    if isinstance(ctype, sqltypes.DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(ctype, sqltypes.Date):
        return dt.date.fromisoformat(value)
    if isinstance(ctype, sqltypes.Time):
        return dt.time.fromisoformat(value)
    if isinstance(ctype, sqltypes.Numeric) and not isinstance(ctype, sqltypes.Float) and isinstance(value, str):
        return decimal.Decimal(value)
    if isinstance(ctype, sqltypes.Boolean) and isinstance(value, int):
        return bool(value)
    return value


def _tables(conn: Connection) -> list[Table]:
    md = MetaData()
    md.reflect(bind=conn)
    return [t for t in md.sorted_tables if t.name not in SKIP_TABLES]


def _revisions(conn: Connection) -> list[str]:
    try:
        return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:  # noqa: BLE001 - a database never migrated has no revisions
        return []


def _pk_order(t: Table) -> list[Any]:
    return list(t.primary_key.columns) or list(t.columns)


def export_rows(conn: Connection) -> Iterator[dict[str, Any]]:
    """Header and row records of every table, in foreign-key order, rows in primary-key order."""
    for t in _tables(conn):
        cols = list(t.columns)
        yield {"table": t.name, "columns": [c.name for c in cols], "types": [str(c.type) for c in cols]}
        for row in conn.execute(select(t).order_by(*_pk_order(t))):
            yield {"row": [_encode(v, c.type) for v, c in zip(row, cols, strict=True)]}


# ------------------------------------------------------------------ snapshot
class _Snapshot:
    """A connection reading one consistent state of the database, and its cleanup."""

    def __init__(self) -> None:
        self._tmpdir: str | None = None
        url = get_settings().database_url
        if db.is_sqlite(url):
            src_path = db.sqlite_path(url)
            if src_path is None or not src_path.is_file():
                raise BadInput(f"数据库文件不存在 / no database file at {src_path}")
            self._tmpdir = tempfile.mkdtemp(prefix="juece-snap-")
            copy = Path(self._tmpdir) / "snapshot.db"
            src = sqlite3.connect(str(src_path), timeout=30)
            dst = sqlite3.connect(str(copy))
            try:
                src.backup(dst)  # the online backup API: one consistent copy while writers go on
            finally:
                dst.close()
                src.close()
            self.engine = create_engine(f"sqlite:///{copy}")
            self.conn = self.engine.connect()
        else:
            self.engine = db.get_engine()
            self.conn = self.engine.connect().execution_options(isolation_level="REPEATABLE READ")
            self.conn.begin()
            self.conn.execute(text("SET TRANSACTION READ ONLY"))
        self.dialect = self.engine.dialect.name

    def close(self) -> None:
        self.conn.close()
        if self._tmpdir:
            self.engine.dispose()
            shutil.rmtree(self._tmpdir, ignore_errors=True)


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _copy_hashing(src: Path, dst: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with src.open("rb") as fi, dst.open("wb") as fo:
        while block := fi.read(CHUNK):
            h.update(block)
            fo.write(block)
            size += len(block)
        fo.flush()
        os.fsync(fo.fileno())
    return h.hexdigest(), size


def _file_sha256(path: Path) -> tuple[str, int]:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest(), os.fstat(fh.fileno()).st_size


def backup(path: str | Path) -> dict[str, Any]:
    """Write a consistent snapshot of the deployment to the directory PATH (new or empty)."""
    target = Path(path).expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BadInput(f"备份目标已存在且非空 / backup target exists and is not empty: {str(target)!r}")
    if not target.parent.is_dir():
        raise BadInput(f"备份目标的上级目录不存在 / parent directory does not exist: {str(target.parent)!r}")
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        snap = _Snapshot()
        try:
            counts: dict[str, int] = {}
            current = ""
            h = hashlib.sha256()
            with (work / "database.jsonl").open("wb") as out:
                for rec in export_rows(snap.conn):
                    if "table" in rec:
                        current = rec["table"]
                        counts[current] = 0
                    else:
                        counts[current] += 1
                    line = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
                    h.update(line)
                    out.write(line)
                out.flush()
                os.fsync(out.fileno())
            required = set(snap.conn.execute(text("SELECT DISTINCT sha256 FROM evidence")).scalars())
            required |= {sha for *_x, sha in integrity.other_references(snap.conn)}
            optional = integrity.referenced_objects(snap.conn) - required  # hashes named only in the trail
            revisions = _revisions(snap.conn)
            heads = {str(c): {"seq": s, "hash": hh} for c, s, hh in snap.conn.execute(text(
                "SELECT a.chain, a.seq, a.hash FROM auditevent a WHERE a.seq = "
                "(SELECT max(b.seq) FROM auditevent b WHERE b.chain = a.chain) ORDER BY a.chain"))}
            dialect = snap.dialect
            # a backup of a record that does not verify would carry the forgery into every copy: refuse it
            found = db.integrity_problems(snap.conn)
            found = found or integrity.check(snap.conn, files=False)["problems"]
            if found:
                raise IntegrityFailure("备份中止：记录未通过核验，请先运行 juece verify / backup refused, the record "
                                       "does not verify: " + "; ".join(found))
        finally:
            snap.close()
        objects: dict[str, int] = {}
        bad: list[str] = []
        for sha in sorted(required | {o for o in optional if len(o) == 64 and evidence_store.path_for(o).is_file()}):
            src = evidence_store.path_for(sha)
            if not src.is_file():
                bad.append(f"evidence file {sha}: expected in the store at {src}, found nothing")
                continue
            dst = work / "objects" / sha[:2] / sha
            dst.parent.mkdir(parents=True, exist_ok=True)
            found, size = _copy_hashing(src, dst)
            if found != sha:
                bad.append(f"evidence file {src}: expected sha256 {sha}, found {found}")
            objects[sha] = size
        if bad:
            raise IntegrityFailure("备份中止：证据库已损坏 / backup refused, the store is damaged: " + "; ".join(bad))
        manifest = {
            "format": FORMAT, "created_at": clock.now().isoformat(timespec="seconds"), "source_dialect": dialect,
            "revisions": revisions, "database": {"file": "database.jsonl", "sha256": h.hexdigest(), "tables": counts},
            "objects": objects, "audit_heads": heads,
        }
        _fsync_write(work / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        if target.exists():
            target.rmdir()
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return {"path": str(target), "tables": counts, "rows": sum(counts.values()), "objects": len(objects),
            "bytes": sum(objects.values()), "revisions": revisions, "chains": len(heads)}


# ------------------------------------------------------------------ restore
def _read_manifest(src: Path) -> dict[str, Any]:
    mf = src / "manifest.json"
    if not mf.is_file():
        raise BadInput(f"不是 juece 备份（缺少 manifest.json）/ not a juece backup: {str(src)!r}")
    try:
        manifest = json.loads(mf.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityFailure(f"manifest.json 无法解析 / cannot be parsed: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadInput(f"备份格式不支持 / unsupported backup format: {manifest.get('format')!r}"
                       if isinstance(manifest, dict) else "manifest.json 格式错误 / malformed manifest")
    database, objects = manifest.get("database"), manifest.get("objects")
    ok = (isinstance(database, dict) and database.get("file") == "database.jsonl"
          and isinstance(database.get("sha256"), str) and isinstance(database.get("tables"), dict)
          and isinstance(objects, dict) and all(isinstance(k, str) and _SHA.fullmatch(k) and isinstance(v, int)
                                                for k, v in objects.items())
          and isinstance(manifest.get("revisions"), list) and isinstance(manifest.get("audit_heads"), dict))
    if not ok:
        raise IntegrityFailure("manifest.json 内容不合格式 / malformed manifest: expected database.jsonl, sha256 "
                               "object names, revisions and audit heads")
    return manifest


def check_backup(src: Path, manifest: dict[str, Any]) -> list[str]:
    """Every hash of the backup against its manifest: problems, each with expected vs found."""
    problems: list[str] = []
    dbfile = src / manifest["database"]["file"]
    if not dbfile.is_file():
        problems.append(f"{dbfile}: expected the database export, found nothing")
    else:
        found, _ = _file_sha256(dbfile)
        if found != manifest["database"]["sha256"]:
            problems.append(f"{dbfile}: expected sha256 {manifest['database']['sha256']}, found {found}")
    for sha, size in manifest["objects"].items():
        p = src / "objects" / sha[:2] / sha
        if not p.is_file():
            problems.append(f"evidence file {sha}: expected at {p} ({size} bytes), found nothing")
            continue
        found, fsize = _file_sha256(p)
        if found != sha:
            problems.append(f"evidence file {p}: expected sha256 {sha} ({size} bytes), found {found} ({fsize} bytes)")
    return problems


def _records(dbfile: Path) -> Iterator[dict[str, Any]]:
    with dbfile.open("rb") as fh:
        for line in fh:
            yield json.loads(line)


def _order_self_referencing(t: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parents before children when a table references itself (office.parent_id, decision.parent_id)."""
    selfrefs = [(fk.parent.name, fk.column.name) for fk in t.foreign_keys if fk.column.table.name == t.name]
    if not selfrefs:
        return rows
    done: set[tuple[str, Any]] = set()
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        rest = []
        for r in pending:
            if all(r.get(col) is None or (ref, r.get(col)) in done for col, ref in selfrefs):
                ordered.append(r)
                for _col, ref in selfrefs:
                    done.add((ref, r.get(ref)))
            else:
                rest.append(r)
        if len(rest) == len(pending):  # a cycle or a dangling reference: let the database judge
            ordered += rest
            break
        pending = rest
    return ordered


def _load(src: Path, manifest: dict[str, Any], tables: dict[str, Table]) -> list[tuple[Table, list[dict]]]:
    """Every row of the backup, decoded and checked against this deployment's tables, before anything is
    written: (table, rows) in the export's (foreign-key) order."""
    out: list[tuple[Table, list[dict[str, Any]]]] = []
    columns: list[str] = []
    try:
        for n, rec in enumerate(_records(src / manifest["database"]["file"]), start=1):
            if not isinstance(rec, dict):
                raise IntegrityFailure(f"database.jsonl line {n}: expected a JSON object, found {type(rec).__name__}")
            if "table" in rec:
                name = rec["table"]
                if name not in tables:
                    raise BadInput(f"备份含有本部署没有的表 / the backup has a table this deployment lacks: {name}")
                columns = rec.get("columns") or []
                unknown = [c for c in columns if c not in tables[name].c]
                if unknown:
                    raise BadInput(f"表 {name} 的列不一致 / columns of {name} differ: {unknown}")
                out.append((tables[name], []))
            elif not out or not isinstance(rec.get("row"), list) or len(rec["row"]) != len(columns):
                raise IntegrityFailure(f"database.jsonl line {n}: expected a row of {len(columns)} values after "
                                       "a table header")
            else:
                t = out[-1][0]
                out[-1][1].append({c: _decode(v, t.c[c].type) for c, v in zip(columns, rec["row"], strict=True)})
    except (UnicodeDecodeError, ValueError, TypeError) as exc:
        raise IntegrityFailure(f"database.jsonl 无法解析 / cannot be parsed: {exc}") from None
    counts = {t.name: len(rows) for t, rows in out if rows}
    expected = {k: v for k, v in manifest["database"]["tables"].items() if v}
    if counts != expected:
        raise IntegrityFailure(f"备份的行数与清单不符 / row counts differ from the manifest: expected {expected}, "
                               f"found {counts}")
    return out


def restore(path: str | Path) -> dict[str, Any]:
    """Restore a backup into an empty deployment, all or nothing.

    Everything is checked before anything is kept: the manifest, every file's hash, every row of the export
    (parsed and matched to this deployment's tables, counted against the manifest); then the rows are inserted in
    one transaction and, inside it, the full verify runs over them (chains, links, the audit heads of the
    manifest) before the evidence files are put and the transaction commits. Any failure rolls the rows back and
    removes the files this restore put, leaving the deployment empty: a good backup can be restored after."""
    src = Path(path).expanduser().absolute()
    if not src.is_dir():
        raise BadInput(f"备份目录不存在 / backup directory does not exist: {str(src)!r}")
    manifest = _read_manifest(src)
    problems = check_backup(src, manifest)
    if problems:
        raise IntegrityFailure("备份已损坏 / the backup is damaged: " + "; ".join(problems))
    integrity.initialise()  # the schema only (an empty deployment stays empty)
    engine = db.get_engine()
    with engine.connect() as conn:
        revisions = _revisions(conn)
        if revisions != manifest["revisions"]:
            raise BadInput(f"数据库结构版本不同 / schema revisions differ: backup {manifest['revisions']}, "
                           f"this deployment {revisions}; restore with the same juece version")
        tables = {t.name: t for t in _tables(conn)}
        busy = {name: n for name, t in tables.items() if (n := conn.execute(select(func.count()).select_from(t))
                                                                .scalar_one())}
    if busy:
        raise BadInput("恢复需要空的部署 / restore needs an empty deployment; rows exist in: "
                       + ", ".join(f"{k} ({v})" for k, v in sorted(busy.items())))
    present = [p for p in evidence_store.iter_objects() if not p.name.startswith(".tmp-")]
    if present:
        raise BadInput(f"恢复需要空的证据库 / restore needs an empty evidence store; {len(present)} files in "
                       f"{evidence_store.root()}")
    loaded = _load(src, manifest, tables)
    counts = {t.name: len(rows) for t, rows in loaded if rows}
    put: list[str] = []
    try:
        with engine.begin() as conn:
            for table, rows in loaded:
                if rows:
                    conn.execute(table.insert(), _order_self_referencing(table, rows))
            if engine.dialect.name == "postgresql":
                for t in tables.values():
                    pk = list(t.primary_key.columns)
                    if len(pk) == 1 and isinstance(pk[0].type, sqltypes.Integer) and counts.get(t.name):
                        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                           {"t": f'"{t.name}"', "c": pk[0].name}).scalar()
                        if seq:
                            conn.execute(text(f'SELECT setval(:s, (SELECT max("{pk[0].name}") FROM "{t.name}"))'),
                                         {"s": seq})
            # the rows as restored, before they are kept: chains, links, every named file in the backup
            result = integrity.check(conn, files=False)
            heads = {k: {"seq": v["seq"], "hash": v["hash"]} for k, v in result["heads"].items()}
            if heads != manifest["audit_heads"]:
                result["problems"].append(f"audit chain heads differ from the backup manifest: expected "
                                          f"{manifest['audit_heads']}, found {heads}")
            named = {sha for (sha,) in conn.execute(text("SELECT DISTINCT sha256 FROM evidence"))}
            named |= {sha for *_x, sha in integrity.other_references(conn)}
            missing = sorted(named - set(manifest["objects"]))
            if missing:
                result["problems"].append(f"files named by rows but absent from the backup: {missing}")
            if result["problems"]:
                raise IntegrityFailure("备份未通过核验，未恢复任何内容 / the backup does not verify, nothing restored: "
                                       + "; ".join(result["problems"]))
            # files last (each atomic, fsynced), then the commit: the same order as every attachment
            for sha in manifest["objects"]:
                blob = src / "objects" / sha[:2] / sha
                stored = evidence_store.put(blob.read_bytes())
                put.append(stored)
                if stored != sha:  # the file changed under us since it was checked
                    raise IntegrityFailure(f"evidence file {blob}: expected sha256 {sha}, found {stored}")
    except BaseException:
        for sha in put:
            evidence_store.path_for(sha).unlink(missing_ok=True)
        raise
    result = integrity.verify()
    if not result["ok"]:  # pragma: no cover - everything above was checked inside the transaction
        raise IntegrityFailure("恢复后核验失败 / verify failed after restore: " + "; ".join(result["problems"]))
    return {"path": str(src), "rows": sum(counts.values()), "tables": counts, "objects": len(manifest["objects"]),
            "verify": {"ok": True, "evidence_checked": result["evidence_checked"],
                       "events_checked": result["events_checked"]}}
