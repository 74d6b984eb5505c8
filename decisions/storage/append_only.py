"""The append-only triggers (migrations 0002, 0004 and 0016) as the database should hold them now: what
`juece verify` checks is present and unchanged, and what `juece init` puts back when one was dropped, altered or
disabled.

The record of a decision refuses UPDATE and DELETE (and on PostgreSQL TRUNCATE): audit events and their SM3
links, evidence rows and their void records (作废), meetings and each member's position; opinions refuse DELETE
(their disposition is filled in later, their rows never go). An intruder with database access can drop a trigger,
edit rows and put it back; the rows are then caught by verify's checks against the trail. A trigger left dropped,
replaced by one that does nothing, or disabled (PostgreSQL) is caught here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, inspect, text

#: tables whose rows may be neither changed nor deleted
APPEND_ONLY = ("auditevent", "auditsm3", "evidence", "meeting", "meetingposition", "evidence_void")
#: tables whose rows may change (filled in later) but never be deleted
NO_DELETE = ("opinion",)

_PG_FUNCTIONS = {
    "juece_append_only": """
        CREATE OR REPLACE FUNCTION juece_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
        END $$""",
    "juece_no_delete": """
        CREATE OR REPLACE FUNCTION juece_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
        END $$""",
}


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    create: str        # the statement that creates it
    function: str = ""  # PostgreSQL: the function it runs


def expected(dialect: str) -> list[Trigger]:
    out: list[Trigger] = []
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                name = f"{table}_append_only_{verb.lower()}"
                out.append(Trigger(name, table, f"CREATE TRIGGER {name} BEFORE {verb} ON {table} "
                                                f"BEGIN SELECT RAISE(ABORT, 'append-only: {verb} on {table} refused'); END"))
        for table in NO_DELETE:
            name = f"{table}_append_only_delete"
            out.append(Trigger(name, table, f"CREATE TRIGGER {name} BEFORE DELETE ON {table} "
                                            f"BEGIN SELECT RAISE(ABORT, 'append-only: DELETE on {table} refused'); END"))
    elif dialect == "postgresql":
        for tables, fn, rows in ((APPEND_ONLY, "juece_append_only", "UPDATE OR DELETE"),
                                 (NO_DELETE, "juece_no_delete", "DELETE")):
            for table in tables:
                out.append(Trigger(f"{table}_append_only", table,
                                   f"CREATE TRIGGER {table}_append_only BEFORE {rows} ON {table} "
                                   f"FOR EACH ROW EXECUTE FUNCTION {fn}()", fn))
                out.append(Trigger(f"{table}_append_only_truncate", table,
                                   f"CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table} "
                                   f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()", fn))
    return out


def _norm(sql: str) -> str:
    return " ".join(sql.split()).lower()


def problems(conn: Connection) -> dict[str, str]:
    """Trigger name → what is wrong with it (missing, altered, disabled, its function altered); empty when all
    are in place."""
    dialect = conn.dialect.name
    found: dict[str, str] = {}
    # a table not created yet (a deployment older than its migration: `juece init` creates it with its triggers)
    tables = set(inspect(conn).get_table_names())
    want = [t for t in expected(dialect) if t.table in tables]
    if not want:
        return found
    if dialect == "sqlite":
        present = {name: sql or "" for name, sql in conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))}
        for t in want:
            if t.name not in present:
                found[t.name] = f"append-only trigger {t.name} on {t.table}: expected it, found none (dropped)"
            elif _norm(present[t.name]) != _norm(t.create):
                found[t.name] = (f"append-only trigger {t.name} on {t.table}: altered — expected {t.create!r}, "
                                 f"found {present[t.name]!r}")
        return found
    rows = conn.execute(text(
        "SELECT t.tgname, c.relname, t.tgenabled, p.proname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal")).all()
    present_pg = {(r[0], r[1]): (r[2], r[3]) for r in rows}
    for t in want:
        got = present_pg.get((t.name, t.table))
        if got is None:
            found[t.name] = f"append-only trigger {t.name} on {t.table}: expected it, found none (dropped)"
        elif got[0] == "D":
            found[t.name] = f"append-only trigger {t.name} on {t.table}: expected enabled, found disabled"
        elif got[1] != t.function:
            found[t.name] = (f"append-only trigger {t.name} on {t.table}: altered — expected function "
                             f"{t.function}, found {got[1]}")
    bodies = {name: src for name, src in conn.execute(text(
        "SELECT proname, prosrc FROM pg_proc WHERE proname IN ('juece_append_only', 'juece_no_delete')"))}
    for fn in _PG_FUNCTIONS:
        if "raise exception 'append-only" not in _norm(bodies.get(fn, "")):
            found[fn] = f"append-only function {fn}(): expected it to raise 'append-only', found " \
                        f"{'none' if fn not in bodies else 'a different body'}"
    return found


def restore(conn: Connection) -> list[str]:
    """Put back every append-only trigger that is missing, altered or disabled (``juece init``); the names."""
    wrong = problems(conn)
    if not wrong:
        return []
    dialect = conn.dialect.name
    if dialect == "postgresql":
        for sql in _PG_FUNCTIONS.values():
            conn.execute(text(sql))
    for t in expected(dialect):
        if t.name in wrong or t.function in wrong:
            if dialect == "sqlite":
                conn.execute(text(f'DROP TRIGGER IF EXISTS "{t.name}"'))
            else:
                conn.execute(text(f'DROP TRIGGER IF EXISTS "{t.name}" ON "{t.table}"'))
            conn.execute(text(t.create))
    return sorted(wrong)
