"""Who may read what: the one place the read scope of a multi-office deployment is defined (issue 7).

Many decision organs share one database (a province, its cities and counties, their departments;
``Office.parent_id`` makes the tree). The workbench pages, the read models and the CLI's ``--as`` all
ask this module; nothing else decides what a user may see.

The rules (acting stays with ``decisions.accounts.permissions``; reading never lets anyone act):

* **server operator** (the CLI without ``--as``) and **admin** (the system operator): everything.
* **oversight** — ``auditor`` (read-only everything of its office's subtree: a provincial auditor reads
  the whole province), and ``decision_organ`` / ``head`` / ``secretary`` / ``archivist``, who read the
  decisions of every organ in their office's subtree (a superior organ supervises its subordinate organs
  and departments, Decree 713 Art 8/38); they act only where ``permissions.role_applies`` admits them,
  i.e. in their own organ.
* **roles that work on a decision** read only where the role applies: drafters in their (co-)undertaking
  unit; executors in the executing unit; legality reviewers and legal advisers for the organs their office
  serves (the office itself and its ancestors up to the first government: a county's justice bureau
  serves the county, never the city or the province), never for a decision of their own unit; archivists
  also for the organs their office serves.
* **experts** (pools may sit outside the organ tree) read a decision only while it is in expert review
  and not of their own unit, limited to the subtree of the government their pool belongs to (a pool with
  no government above it serves everyone); legal advisers and experts also keep reading any decision
  they attached evidence to.
* **assessors** (commissioned risk assessors, Art 22, 23) read the decisions the undertaking unit assigned them
  to (``juece assessor assign``) and any they attached evidence to.

"Government" is an office of level province, city, county or township; a department (also one that is a
decision organ itself) belongs to the nearest government above it. ``organ_offices(organ)`` — the
organ with its own departments, not descending into a subordinate government — is the "organ subtree"
the role-based rules use (legality reviewers, archivists, reminders).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, bindparam, exists, false, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from decisions.accounts.models import Office
from decisions.accounts.permissions import ROLE_NAMES_ZH, Actor, DecisionScope
from decisions.accounts.service import actor_for, office_by_code
from decisions.errors import NotPermitted
from decisions.procedure.models import CoUndertaker, Decision, Evidence, ExpertAssignment
from decisions.storage.statements import Prepared, among

GOVERNMENT_LEVELS = frozenset({"province", "city", "county", "township"})
OVERSIGHT_ROLES = ("auditor", "decision_organ", "head", "secretary", "archivist")
DOSSIER_ROLES = ("archivist", "decision_organ", "head", "auditor")
OPERATOR = "operator"


# ----------------------------------------------------------------- the office tree
_TREES: weakref.WeakKeyDictionary[Engine, OfficeTree] = weakref.WeakKeyDictionary()  # OfficeTree.known
_TREES_LOCK = threading.Lock()


@dataclass
class OfficeTree:
    """All offices (id → parent, level, code), loaded once per use case: a province has a few thousand."""

    parent: dict[int, int | None]
    level: dict[int, str]
    code: dict[int, str]
    children: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, s: Session) -> OfficeTree:
        parent: dict[int, int | None] = {}
        level: dict[int, str] = {}
        code: dict[int, str] = {}
        children: dict[int, list[int]] = {}
        for oid, pid, lvl, c in s.exec(select(Office.id, Office.parent_id, Office.level, Office.code)):
            parent[oid], level[oid], code[oid] = pid, lvl, c
            if pid is not None:
                children.setdefault(pid, []).append(oid)
        return cls(parent, level, code, children)

    @classmethod
    def known(cls, s: Session, need: Iterable[int], codes: dict[int, str] | None = None) -> OfficeTree:
        """The tree as this process last loaded it, reloaded only when an office in ``need`` is missing from
        it (or ``codes`` — office id → code the caller just read — disagree with it: another database).

        Exact for the offices in ``need``: offices are only ever added (``directory.add_office``; nothing
        moves or deletes one), so an office's chain of ancestors, and with it whether it belongs to an
        organ's own offices, never changes once the office exists. A subtree computed from it may lack
        offices added since; callers pass every office whose membership they test (the acting user's office
        and the decision's organ), never use it for reading scopes, which need whole subtrees."""
        engine = s.get_bind()
        with _TREES_LOCK:
            tree = _TREES.get(engine) if isinstance(engine, Engine) else None
        if tree is not None and all(o in tree.parent for o in need) \
                and all(tree.code.get(o) == c for o, c in (codes or {}).items()):
            return tree
        tree = cls.load(s)
        if isinstance(engine, Engine):
            with _TREES_LOCK:
                _TREES[engine] = tree
        return tree

    def subtree(self, office_id: int) -> frozenset[int]:
        """The office and everything below it."""
        out, stack = {office_id}, [office_id]
        while stack:
            for child in self.children.get(stack.pop(), []):
                if child not in out:
                    out.add(child)
                    stack.append(child)
        return frozenset(out)

    def organ_offices(self, organ_id: int) -> frozenset[int]:
        """The organ and its own departments: its subtree without the subtrees of subordinate governments."""
        out, stack = {organ_id}, [organ_id]
        while stack:
            for child in self.children.get(stack.pop(), []):
                if child not in out and self.level.get(child) not in GOVERNMENT_LEVELS:
                    out.add(child)
                    stack.append(child)
        return frozenset(out)

    def serving(self, office_id: int) -> frozenset[int]:
        """The organs this office works for: itself and its ancestors up to (and with) the first government."""
        out: list[int] = []
        cur: int | None = office_id
        while cur is not None and cur not in out:
            out.append(cur)
            if self.level.get(cur) in GOVERNMENT_LEVELS:
                break
            cur = self.parent.get(cur)
        return frozenset(out)

    def government(self, office_id: int) -> int | None:
        """The nearest government at or above the office (None for an office outside every government)."""
        for oid in self.serving(office_id):
            if self.level.get(oid) in GOVERNMENT_LEVELS:
                return oid
        return None


_CO_UNDERTAKERS = Prepared(select(CoUndertaker.office_id).where(CoUndertaker.decision_id == bindparam("decision_id")))


def decision_scope(s: Session, d: Decision, tree: OfficeTree | None = None) -> DecisionScope:
    """The decision's scope for ``permissions.role_applies``, with the organ's own offices as its subtree."""
    tree = tree or OfficeTree.load(s)
    co = _CO_UNDERTAKERS.run(s, {"decision_id": d.id}).scalars()
    return DecisionScope(d.organ_id, frozenset([d.undertaker_id, *co]), tree.organ_offices(d.organ_id),
                         d.executing_unit_id)


def decision_scopes(s: Session, rows: list[Decision], tree: OfficeTree | None = None) -> dict[int, DecisionScope]:
    """``decision_scope`` for a page of decisions in one more query."""
    tree = tree or OfficeTree.load(s)
    co: dict[int, set[int]] = {}
    ids = [d.id for d in rows]
    if ids:
        for did, office in s.exec(select(CoUndertaker.decision_id, CoUndertaker.office_id)
                                  .where(among(col(CoUndertaker.decision_id), ids))):
            co.setdefault(did, set()).add(office)
    return {d.id or 0: DecisionScope(d.organ_id, frozenset({d.undertaker_id, *co.get(d.id or 0, set())}),
                                     tree.organ_offices(d.organ_id), d.executing_unit_id) for d in rows}


# ----------------------------------------------------------------- the reader
@dataclass(frozen=True)
class Reader:
    """Who reads: the operator (``actor is None``), or a user with the offices their roles reach."""

    username: str
    actor: Actor | None
    everything: bool
    oversight: frozenset[int]   # organs whose decisions (and catalogs) are read in full, read-only
    serving: frozenset[int]     # organs the user's office works for (reviewers, advisers, archivists)
    pool: frozenset[int] | None  # where an expert may read (None: anywhere)
    tree: OfficeTree

    @property
    def roles(self) -> tuple[str, ...]:
        return self.actor.roles if self.actor else ("admin",)


def reader(s: Session, username: str | None) -> Reader:
    """The read scope of `username` (None: the server operator, who reads everything)."""
    tree = OfficeTree.load(s)
    if username is None:
        return Reader(OPERATOR, None, True, frozenset(), frozenset(), None, tree)
    actor = actor_for(s, username)
    office = actor.office_id
    serving = tree.serving(office)
    oversight: set[int] = set()
    if set(OVERSIGHT_ROLES) & set(actor.roles):
        oversight |= tree.subtree(office)
    if "archivist" in actor.roles:
        oversight |= serving
    gov = tree.government(office)
    pool = tree.subtree(gov) if gov is not None else None
    return Reader(actor.username, actor, "admin" in actor.roles, frozenset(oversight), serving, pool, tree)


def _undertakes(office_id: int):  # noqa: ANN202 - a SQL expression
    """Decisions the office (co-)undertakes, as ``decision.id IN (… UNION ALL …)``: each branch uses its own
    index (an OR with a correlated EXISTS scanned every decision). The alias keeps the subquery uncorrelated."""
    d2 = aliased(Decision)
    return col(Decision.id).in_(select(d2.id).where(d2.undertaker_id == office_id)
                                .union_all(select(CoUndertaker.decision_id).where(CoUndertaker.office_id == office_id)))


def _contributed(user_id: int):  # noqa: ANN202
    return exists().where(Evidence.decision_id == Decision.id, Evidence.user_id == user_id)


def role_clause(r: Reader, role: str):  # noqa: ANN201 - a SQL expression
    """Where `role` of the reader applies for acting (``permissions.role_applies`` as SQL, with the
    organ's own offices as its subtree)."""
    actor = r.actor
    if actor is None:
        return false()
    office = actor.office_id
    if role in ("decision_organ", "head", "secretary"):
        return Decision.organ_id == office
    if role == "drafter":
        return _undertakes(office)
    if role == "legality_reviewer":
        return and_(col(Decision.organ_id).in_(r.serving), ~_undertakes(office))
    if role in ("legal_adviser", "expert", "assessor"):
        return ~_undertakes(office)
    if role == "executor":
        return or_(Decision.executing_unit_id == office,
                   and_(col(Decision.executing_unit_id).is_(None), _undertakes(office)))
    if role == "archivist":
        return col(Decision.organ_id).in_(r.serving)
    return false()


def read_clause(r: Reader, role: str):  # noqa: ANN201 - a SQL expression
    """What `role` of the reader lets them read (see the module docstring)."""
    actor = r.actor
    if actor is None:
        return false()
    office = actor.office_id
    if role in OVERSIGHT_ROLES:
        return col(Decision.organ_id).in_(r.oversight)
    if role == "legal_adviser":
        return or_(and_(col(Decision.organ_id).in_(r.serving), ~_undertakes(office)), _contributed(actor.user_id))
    if role == "expert":
        where = [Decision.state == "expert_review", ~_undertakes(office)]
        if r.pool is not None:
            where.append(col(Decision.organ_id).in_(r.pool))
        return or_(and_(*where), _contributed(actor.user_id))
    if role == "assessor":  # a commissioned assessor reads the decisions it is assigned to (Art 22, 23)
        return or_(exists().where(ExpertAssignment.decision_id == Decision.id, ExpertAssignment.role == "assessor",
                                  ExpertAssignment.user_id == actor.user_id), _contributed(actor.user_id))
    return role_clause(r, role)


#: roles whose acting scope (``role_clause``) lies inside their own read scope (``read_clause``): what they act on
#: they may read, so a list of their tasks needs no read clause beside the acting one
_READ_COVERS_ACT = frozenset({"decision_organ", "head", "secretary", "archivist", "drafter", "legality_reviewer",
                              "legal_adviser", "executor"})


def task_branches(r: Reader, role: str, visible: object = None) -> list:
    """Where `role` of the reader acts and may read (``role_clause`` ∧ ``visible_clause``; a legal adviser acts
    where a legality reviewer does), as clauses whose union is that set and each of which one index range serves:
    the undertaking unit and its co-undertaking are two branches, not one ``IN (… UNION …)``. The 待办 scans each
    branch in stage order and stops early (decisions.workbench.oa); one scan of the union would sort every
    decision the role covers (32,000 for a drafter of a large office at 100,000 decisions). `visible`: the
    reader's ``visible_clause`` when the caller has built it already."""
    actor = r.actor
    if actor is None:
        return []
    office = actor.office_id
    acting = "legality_reviewer" if role == "legal_adviser" else role
    co_undertaken = col(Decision.id).in_(select(CoUndertaker.decision_id).where(CoUndertaker.office_id == office))
    if acting == "drafter":
        branches = [Decision.undertaker_id == office, co_undertaken]
    elif acting == "executor":
        unassigned = col(Decision.executing_unit_id).is_(None)
        branches = [Decision.executing_unit_id == office, and_(unassigned, Decision.undertaker_id == office),
                    and_(unassigned, co_undertaken)]
    else:
        branches = [role_clause(r, acting)]
    if role in _READ_COVERS_ACT:
        return branches
    visible = visible if visible is not None else visible_clause(r)
    return branches if visible is None else [and_(b, visible) for b in branches]


def visible_clause(r: Reader):  # noqa: ANN201 - a SQL expression, or None for "everything"
    """Decisions the reader may open (None: all of them)."""
    if r.everything:
        return None
    clauses = [read_clause(r, role) for role in r.roles]
    return or_(*clauses) if clauses else false()


def can_read(s: Session, r: Reader, decision_id: int) -> bool:
    """May the reader open this decision? (The same SQL as the lists, so lists and pages never disagree.)"""
    clause = visible_clause(r)
    if clause is None:
        return True
    return s.exec(select(Decision.id).where(Decision.id == decision_id, clause)).first() is not None


def require_read(s: Session, r: Reader, d: Decision, what: str = "查看 / open") -> None:
    """NotPermitted (exit 4) naming the user and the decision when the decision is out of the reader's scope.
    `what` is the refused action, "中文 / English"."""
    if not can_read(s, r, d.id or 0):
        zh, _, en = what.partition(" / ")
        office = f"（{r.actor.office_code}）" if r.actor else ""
        # the decision's number only: its code would tell an outsider the organ, the year and the count
        raise NotPermitted(f"用户 {r.username}{office}无权{zh}：决策 #{d.id} 不在其单位的查看范围内 / "
                           f"user {r.username} may not {en or zh} decision #{d.id}: outside the offices this user may see")


def overview_organs(r: Reader) -> frozenset[int] | None:
    """Organs whose figures the reader sees on the dashboard and in the yearly report (None: all).
    NotPermitted for a user without an oversight role."""
    if r.everything:
        return None
    if not r.oversight:
        raise NotPermitted(f"用户 {r.username} 无权查看统计 / only the organ, its head, secretary, archivist, "
                           "auditor or admin may see the figures")
    return r.oversight


def organ_ids_for_report(s: Session, r: Reader, organ: str | None) -> frozenset[int] | None:
    """The organs a report covers: `organ`'s subtree (or everything) cut to what the reader oversees."""
    allowed = overview_organs(r)
    if organ is None:
        return allowed
    office = office_by_code(s, organ)
    wanted = r.tree.subtree(office.id or 0)
    if allowed is None:
        return wanted
    if (office.id or 0) not in allowed:
        raise NotPermitted(f"用户 {r.username} 无权查看 {organ} 的统计：不在其单位的查看范围内 / "
                           f"user {r.username} may not see the figures of {organ}: outside the offices this user may see")
    return wanted & allowed


def catalog_organs(r: Reader) -> frozenset[int] | None:
    """Organs whose unpublished catalog drafts the reader may read (None: all); published items are public."""
    if r.everything:
        return None
    return r.oversight | r.serving


def dossier_role(s: Session, r: Reader, d: Decision) -> str:
    """The role under which the reader may export the decision's whole record as its dossier: archivist,
    decision_organ, head or auditor, for a decision within that role's read scope (the organ's own, or a
    subordinate's for oversight). The operator exports anything."""
    if r.actor is None:
        return OPERATOR
    for role in DOSSIER_ROLES:
        if role in r.roles and s.exec(select(Decision.id).where(Decision.id == d.id, read_clause(r, role))).first():
            return role
    wanted = "、".join(f"{ROLE_NAMES_ZH[x]}({x})" for x in DOSSIER_ROLES)
    raise NotPermitted(f"用户 {r.username}（{', '.join(r.roles) or 'none'}，{r.actor.office_code}）无权生成决策 #{d.id} 的案卷；"
                       f"需要本决策查看范围内的角色：{wanted} / user {r.username} may not generate the dossier of decision #{d.id}")

