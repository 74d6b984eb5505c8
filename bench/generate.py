"""Scale data: a province's ten years of major administrative decisions, bulk-inserted (issue 7 item 3).

    .venv/bin/python bench/generate.py --database-url postgresql://postgres@/juece?host=/tmp/sock \\
        --decisions 100000 --offices 300                       # a province, 2017–2026
    .venv/bin/python bench/generate.py --decisions 2000        # SQLite in a fresh temporary deployment

Builds the organisation (a province organ and its departments, 14 cities with departments, ~100 counties with
a department each, an expert pool; every organ with users of every role), each organ's annual catalogs
(published, consented), and N decisions created between 2017 and today, each simulated through the procedure
as the service layer would record it: stage rows (done, skipped with the reason, current, pending), the nine
trigger determinations, evidence rows, meetings with every member's position, side outcomes (excluded,
withdrawn, rejected, deferred, revised into a second round, suspended) and the audit trail: one chain per decision whose
hashes are made with decisions.records.audit's canonical serialisation (SHA-256 and the SM3 chain beside it), so
`juece verify ID` is clean on any decision. Evidence files are small PDFs from a pool per kind, really stored
in the content-addressed store (identical files dedupe), so verifying any decision finds its files.

Evidence counts: `--evidence` (default 10 per decision, the issue's 1,000,000 for 100,000) is a floor the
generator keeps to by adding draft versions when the simulated decisions hold fewer. It cannot go lower
without breaking the procedure: a finished decision needs at least 13 documents (proposal, start decision,
draft, legal basis, a participation activity and the opinion register, the three of legality review, the
minutes, the Party-committee report, the execution assignment, the publication record), and over ten years
most decisions are finished, so 100,000 decisions come out at about 1.6 million evidence rows (about half the
execution reports due every six months are filed: the dashboard's overdue figure).

Rows go in with COPY on PostgreSQL and executemany on SQLite, a few thousand decisions per transaction;
explicit ids, the sequences set afterwards. Why simulate rather than call the service layer: 100,000
decisions through the use cases take hours; the data has to look the same to the read models and to
`verify`, not be produced by the same code path.
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import json
import os
import queue
import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = "2026-11-20T09:00:00+08:00"
NOW_TS = 1795136400  # NOW as a Unix timestamp
FIRST_YEAR, LAST_YEAR = 2017, 2026
TZ = 8 * 3600
DAY = 86400

# (stage, min days, max days) each stage lasts when nothing goes wrong
STAGE_DAYS = {"proposed": (3, 30), "drafting": (15, 120), "public_participation": (31, 60), "expert_review": (7, 40),
              "risk_assessment": (10, 45), "fair_competition_review": (5, 20), "legality_review": (10, 30),
              "collective_discussion": (3, 25), "party_report": (3, 15), "publication": (2, 10)}
TRIGGER_RATES = {"professional_technical": 0.4, "stability_risk": 0.25, "specific_groups": 0.15,
                 "market_entities": 0.2, "npc_scope": 0.05, "high_public_concern": 0.2, "interagency": 0.2,
                 "non_disclosable": 0.02, "exploratory_reform": 0.03}
APPLIES = {"public_participation": ("non_disclosable", False), "expert_review": ("professional_technical", True),
           "risk_assessment": ("stability_risk", True), "fair_competition_review": ("market_entities", True),
           "publication": ("non_disclosable", False)}
TOPICS = ["城市停车设施建设管理", "老旧小区改造", "生活垃圾分类", "城市更新", "义务教育学校布局", "养老服务体系",
          "公共交通线网优化", "历史文化街区保护", "农村人居环境整治", "住房保障", "医疗卫生资源配置", "水资源保护",
          "大气污染防治", "营商环境优化", "产业园区规划", "市政道路建设", "燃气价格调整", "自来水价格调整",
          "殡葬改革", "河湖长制", "耕地保护", "应急避难场所建设", "中小学课后服务", "城乡医保统筹", "公园绿地建设",
          "农贸市场升级改造", "夜间经济发展", "新能源汽车充电设施", "智慧城市建设", "地下综合管廊"]
DOC_TYPES = ["实施办法", "管理办法", "三年行动计划", "专项规划", "实施方案", "若干措施", "管理规定", "工作方案"]
CITY_NAMES = ["沈阳", "大连", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "阜新", "辽阳", "盘锦", "铁岭", "朝阳",
              "葫芦岛"]
DEPT_NAMES = [("DRC", "发展和改革委员会"), ("JUS", "司法局"), ("FIN", "财政局"), ("NR", "自然资源局"),
              ("HUD", "住房和城乡建设局"), ("EDU", "教育局"), ("HEA", "卫生健康委员会"), ("TRA", "交通运输局"),
              ("ENV", "生态环境局"), ("AGR", "农业农村局"), ("CIV", "民政局"), ("WAT", "水务局"),
              ("MKT", "市场监督管理局"), ("CUL", "文化旅游局"), ("EMG", "应急管理局"), ("IND", "工业和信息化局")]
ORGAN_ROLES = [("organ", ["decision_organ"]), ("head", ["head"]), ("secretary", ["secretary"]),
               ("reviewer", ["legality_reviewer"]), ("adviser", ["legal_adviser"]), ("archivist", ["archivist"]),
               ("auditor", ["auditor"])] + [(f"vm{k}", ["decision_organ"]) for k in range(1, 7)]
DEPT_ROLES = [("drafter", ["drafter"]), ("executor", ["executor"])]
EXPERTS = 30
FILES_PER_KIND = 40


def stamp(ts: float) -> str:
    """China-time ISO string of a Unix timestamp, the format every row and event uses."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(int(ts) + TZ))


def day(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(int(ts) + TZ))


def year_start(year: int) -> int:
    return calendar.timegm((year, 1, 1, 0, 0, 0)) - TZ


# ----------------------------------------------------------------- organisation
@dataclass
class OfficeSpec:
    id: int
    code: str
    name: str
    level: str
    parent: int | None
    depts: list[int] = field(default_factory=list)


@dataclass
class Directory:
    offices: list[OfficeSpec]
    organs: list[OfficeSpec]
    users: dict[str, int]              # username -> id
    user_office: dict[int, int]        # user id -> office id
    expert_pool: OfficeSpec
    weights: list[float]               # per organ, share of decisions

    def by_id(self, office_id: int) -> OfficeSpec:
        return self.offices[office_id - 1]


def layout(n_offices: int) -> list[OfficeSpec]:
    """Province organ + departments (one is the expert pool), cities with 5 departments, counties with 1."""
    cities = max(1, round(n_offices * 14 / 300))
    prov_depts = max(2, round(n_offices * 15 / 300))
    counties = max(0, (n_offices - 1 - prov_depts - cities * 6) // 2)
    prov_depts = n_offices - 1 - cities * 6 - counties * 2
    if prov_depts < 2:
        raise SystemExit(f"--offices {n_offices}: too few for a province (at least {1 + 2 + 6})")
    out: list[OfficeSpec] = []

    def add(code: str, name: str, level: str, parent: OfficeSpec | None) -> OfficeSpec:
        o = OfficeSpec(len(out) + 1, code, name, level, parent.id if parent else None)
        out.append(o)
        if parent is not None and level == "department":
            parent.depts.append(o.id)
        return o

    prov = add("P", "辽宁省人民政府", "province", None)
    add("P-EXP", "省决策咨询专家库", "department", None)
    for k in range(prov_depts - 1):
        code, name = DEPT_NAMES[k % len(DEPT_NAMES)]
        add(f"P-{code}{k // len(DEPT_NAMES) or ''}", f"辽宁省{name.replace('局', '厅')}", "department", prov)
    city_objs = []
    for c in range(cities):
        cname = CITY_NAMES[c % len(CITY_NAMES)] + (str(c // len(CITY_NAMES)) if c >= len(CITY_NAMES) else "")
        city = add(f"C{c + 1:02d}", f"{cname}市人民政府", "city", prov)
        city_objs.append((city, cname))
        for k in range(5):
            code, name = DEPT_NAMES[k]
            add(f"C{c + 1:02d}-{code}", f"{cname}市{name}", "department", city)
    for k in range(counties):
        city, cname = city_objs[k % cities]
        county = add(f"{city.code}-K{k // cities + 1:02d}", f"{cname}市第{k // cities + 1}县（区）人民政府", "county",
                     city)
        add(f"{county.code}-DRC", f"{county.name[:-6]}发展和改革局", "department", county)
    assert len(out) == n_offices, (len(out), n_offices)
    return out


def organ_users(o: OfficeSpec) -> list[tuple[str, list[str]]]:
    return ORGAN_ROLES if o.level != "department" else DEPT_ROLES


# ----------------------------------------------------------------- writers
TABLES: dict[str, Sequence[str]] = {
    "office": ("id", "code", "name", "level", "parent_id", "profile"),
    "user": ("id", "username", "name", "office_id", "password_hash", "active"),
    "userrole": ("user_id", "role"),
    "catalog_version": ("id", "organ_id", "year", "version", "status", "reason", "created_at", "created_by",
                        "party_consent_at", "party_consent_ref", "published_at", "publication_ref"),
    "catalogitem": ("id", "organ_id", "year", "seq", "item_name", "undertaking_unit", "procedures", "hearing",
                    "legal_basis", "planned_time", "main_content", "source", "published_at", "party_consent_at",
                    "version_added", "version_removed", "supersedes_id", "target_date", "undertaker_id"),
    "decision": ("id", "code", "title", "organ_id", "undertaker_id", "category", "source", "catalog_item_id",
                 "profile_name", "profile_version", "state", "round", "executing_unit_id", "parent_id", "created_at",
                 "updated_at", "state_entered_at", "version"),
    "stagestatus": ("id", "decision_id", "stage", "position", "status", "entered_at", "left_at", "user_id", "note",
                    "days"),
    "triggerdetermination": ("id", "decision_id", "name", "value", "reason", "user_id", "at"),
    "evidence": ("id", "decision_id", "stage", "round", "kind", "filename", "content_type", "size", "sha256", "meta",
                 "user_id", "role", "office_id", "at"),
    "meeting": ("id", "decision_id", "round", "type", "date", "members_total", "head_id", "outcome", "reason",
                "minutes_evidence_id", "user_id", "at"),
    "meetingposition": ("meeting_id", "seq", "user_id", "position", "is_head"),
    "auditevent": ("id", "chain", "decision_id", "seq", "at", "actor", "role", "office", "action", "detail",
                   "prev_hash", "hash"),
    "auditsm3": ("chain", "seq", "sm3"),
}
ORDER = list(TABLES)  # parents before children
SEQUENCED = ("office", "user", "catalog_version", "catalogitem", "decision", "stagestatus", "triggerdetermination",
             "evidence", "meeting", "auditevent")


def stage_days(entered: str, left: str) -> float | None:
    """StageStatus.days of a done stage: what decisions.procedure.service writes when a stage is left."""
    from decisions.procedure import service

    return service.stage_days(entered, left)


class Writer:
    """Bulk rows into one database: COPY on PostgreSQL, executemany on SQLite (raw DBAPI, no ORM)."""

    def __init__(self, url: str):
        from decisions.storage.db import get_engine, is_sqlite

        self.sqlite = is_sqlite(url)
        self.conn = get_engine().raw_connection()
        self.rows = 0
        self.seconds = 0.0
        if not self.sqlite:
            # the rows are consistent by construction: skip the per-row foreign-key triggers while loading
            # (superuser only; elsewhere the load is just slower)
            cur = self.conn.cursor()
            try:
                cur.execute("SET session_replication_role = replica")
                self.conn.commit()
            except Exception:  # noqa: BLE001 - not a superuser
                self.conn.rollback()
            cur.close()

    def write(self, batch: dict[str, list[tuple]]) -> None:
        t0 = time.perf_counter()
        cur = self.conn.cursor()
        try:
            for name in ORDER:
                rows = batch.get(name)
                if not rows:
                    continue
                cols = TABLES[name]
                collist = ", ".join(f'"{c}"' for c in cols)
                if self.sqlite:
                    cur.executemany(f'INSERT INTO "{name}" ({collist}) VALUES ({", ".join("?" * len(cols))})', rows)
                else:
                    with cur.copy(f'COPY "{name}" ({collist}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                        for row in rows:
                            copy.write_row(row)
                self.rows += len(rows)
            self.conn.commit()
        finally:
            cur.close()
            self.seconds += time.perf_counter() - t0

    def finish(self) -> None:
        """Sequences past the explicit ids (PostgreSQL), statistics for the planner."""
        cur = self.conn.cursor()
        if not self.sqlite:
            for name in SEQUENCED:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 0) + 1, false)")
            self.conn.commit()
            cur.close()
            raw = self.conn.driver_connection
            raw.autocommit = True  # type: ignore[union-attr]
            raw.execute("VACUUM ANALYZE")  # type: ignore[union-attr]
            raw.autocommit = False  # type: ignore[union-attr]
            cur = self.conn.cursor()
        else:
            cur.execute("ANALYZE")
            self.conn.commit()
        cur.close()
        self.conn.close()


# ----------------------------------------------------------------- the audit chain
class Chain:
    """Events of one chain, hashed exactly as decisions.records.audit.record hashes them."""

    def __init__(self, gen: Generator, chain: int, decision_id: int | None):
        from decisions.records import audit

        self.audit = audit
        self.gen, self.chain, self.decision_id = gen, chain, decision_id
        self.seq, self.prev, self.prev_sm3 = 0, audit.GENESIS, audit.GENESIS

    def add(self, at: str, actor: str, role: str, office: str, action: str, detail: dict) -> None:
        self.seq += 1
        f = {"chain": self.chain, "decision_id": self.decision_id, "seq": self.seq, "at": at, "actor": actor,
             "role": role, "office": office, "action": action, "detail": detail, "prev_hash": self.prev}
        body = self.audit.canonical_fields(f)
        h = hashlib.sha256(body).hexdigest()
        # the stored detail is the canonical one, cut out of the body rather than serialised again: keys are
        # sorted, so "detail" comes right before "office" (the last ',"office":' is the top-level one)
        detail_json = body[body.index(b'"detail":') + 9:body.rindex(b',"office":')].decode()
        g = self.gen
        g.ids["auditevent"] += 1
        g.out["auditevent"].append((g.ids["auditevent"], self.chain, self.decision_id, self.seq, at, actor, role,
                                    office, action, detail_json, self.prev, h))
        if self.audit.SM3_AVAILABLE:
            sm3 = self.audit.sm3_link(body, self.prev_sm3)
            g.out["auditsm3"].append((self.chain, self.seq, sm3))
            self.prev_sm3 = sm3
        self.prev = h


class Stop(Exception):
    """The simulated decision has reached today: it stays where it is."""


# ----------------------------------------------------------------- the generator
class Generator:
    """Streams the province into a Writer, `batch` decisions per transaction."""

    def __init__(self, writer: Writer, *, n_decisions: int, n_offices: int, evidence: int, seed: int = 713,
                 batch: int = 2000, files_per_kind: int = FILES_PER_KIND):
        from workflow import profiles

        self.w = writer
        self.n, self.n_offices, self.evidence_target = n_decisions, n_offices, evidence
        self.rng = random.Random(seed)
        self.batch = batch
        self.files_per_kind = files_per_kind
        self.profile = profiles.load("state-council-2019")
        self.order = self.profile.stage_order
        self.ids: dict[str, int] = dict.fromkeys(SEQUENCED, 0)
        self.out: dict[str, list[tuple]] = {t: [] for t in TABLES}
        self.evidence_rows = 0
        self.extras = 0
        self.files: dict[str, list[tuple[str, int]]] = {}
        self.stats: dict[str, int] = {}
        self.queue: queue.Queue[dict[str, list[tuple]] | None] = queue.Queue(maxsize=2)
        self.thread: threading.Thread | None = None
        self.failed: BaseException | None = None

    # --- helpers
    def flush(self) -> None:
        """Hand the batch to the writer thread (COPY waits on the server while the next batch is built)."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._drain, daemon=True)
            self.thread.start()
        self.queue.put(self.out)
        self.out = {t: [] for t in TABLES}

    def _drain(self) -> None:
        while (batch := self.queue.get()) is not None:
            try:
                self.w.write(batch)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                self.failed = exc
                while self.queue.get() is not None:
                    pass
                return

    def join(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if self.failed is not None:
            raise self.failed

    def store_files(self) -> None:
        """FILES_PER_KIND small distinct PDFs per evidence kind, written into the store (no fsync: bench data)."""
        from decisions.records import evidence_store

        for kind in self.profile.kinds:
            pool = []
            for k in range(self.files_per_kind):
                pad = ("%" + "x" * 70 + "\n") * (5 + (k * 7) % 40)
                data = (f"%PDF-1.4\n% juece bench {kind} {k}\n1 0 obj<<>>endobj\n{pad}trailer<<>>\n%%EOF\n").encode()
                sha = evidence_store.digest(data)
                path = evidence_store.path_for(sha)
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_name(".tmp-gen-" + sha)
                    tmp.write_bytes(data)
                    os.replace(tmp, path)
                pool.append((sha, len(data)))
            self.files[kind] = pool

    # --- organisation and catalogs
    def directory(self) -> Directory:
        offices = layout(self.n_offices)
        system = Chain(self, 0, None)
        at = stamp(year_start(FIRST_YEAR) - 30 * DAY)
        users: dict[str, int] = {}
        user_office: dict[int, int] = {}
        for o in offices:
            self.out["office"].append((o.id, o.code, o.name, o.level, o.parent, "state-council-2019"))
            parent = offices[o.parent - 1].code if o.parent else None
            system.add(at, "operator", "admin", "", "office_add", {"code": o.code, "name": o.name, "level": o.level,
                                                                   "parent": parent, "profile": "state-council-2019"})
        pool = offices[1]
        people: list[tuple[str, OfficeSpec, list[str]]] = [("admin", offices[0], ["admin"])]
        for o in offices:
            if o is pool:
                people += [(f"expert{k:02d}", o, ["expert"]) for k in range(1, EXPERTS + 1)]
            else:
                people += [(f"{o.code}_{suffix}", o, roles) for suffix, roles in organ_users(o)]
        for username, o, roles in people:
            self.ids["user"] += 1
            uid = self.ids["user"]
            users[username], user_office[uid] = uid, o.id
            self.out["user"].append((uid, username, username, o.id, "", True))
            for r in sorted(roles):
                self.out["userrole"].append((uid, r))
            system.add(at, "operator", "admin", "", "user_add", {"username": username, "name": username,
                                                                 "office": o.code, "roles": sorted(roles)})
        self.ids["office"] = len(offices)
        organs = [o for o in offices if o.level in ("province", "city", "county")]
        weights = [{"province": 6.0, "city": 2.5, "county": 0.6}[o.level] for o in organs]
        return Directory(offices, organs, users, user_office, pool, weights)

    def catalogs(self, d: Directory) -> dict[tuple[int, int], list[tuple[int, int]]]:
        """Published annual catalogs, 4–10 items per organ and year; returns (organ, year) → [(item id, dept)]."""
        items: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for o in d.organs:
            for year in range(FIRST_YEAR, LAST_YEAR + 1):
                self.ids["catalog_version"] += 1
                consent, published = f"{year}-01-{10 + self.rng.randrange(5)}", f"{year}-01-{20 + self.rng.randrange(8)}"
                self.out["catalog_version"].append((self.ids["catalog_version"], o.id, year, 1, "published", "",
                                                    f"{year - 1}-12-20T09:00:00+08:00", f"{o.code}_organ", consent,
                                                    f"{o.name[:-6]}党委常委会会议纪要", published, "政府网站"))
                for seq in range(1, 5 + self.rng.randrange(7)):
                    self.ids["catalogitem"] += 1
                    dept = d.by_id(self.rng.choice(o.depts))
                    month = self.rng.randint(3, 12)
                    topic = self.rng.choice(TOPICS)
                    self.out["catalogitem"].append((
                        self.ids["catalogitem"], o.id, year, seq, f"{topic}{self.rng.choice(DOC_TYPES)}", dept.name,
                        "公众参与、专家论证、风险评估、合法性审查、集体讨论决定", "否", "《重大行政决策程序暂行条例》",
                        f"{year}年{month}月", "", "", published, consent, 1, None, None,
                        f"{year}-{month:02d}-28", dept.id))
                    items.setdefault((o.id, year), []).append((self.ids["catalogitem"], dept.id))
        return items

    # --- one decision
    def decision(self, d: Directory, did: int, t0: int, catalog: dict[tuple[int, int], list[tuple[int, int]]],
                 extra: int) -> None:
        rng, order, out = self.rng, self.order, self.out
        organ = rng.choices(d.organs, d.weights)[0]
        year = int(day(t0)[:4])
        items = catalog.get((organ.id, year), [])
        item, undertaker_id = (rng.choice(items) if items and rng.random() < 0.4 else (None, rng.choice(organ.depts)))
        undertaker = d.by_id(undertaker_id)
        executing = d.by_id(rng.choice(organ.depts))
        u = d.users
        who = {"organ": f"{organ.code}_organ", "head": f"{organ.code}_head", "secretary": f"{organ.code}_secretary",
               "reviewer": f"{organ.code}_reviewer", "adviser": f"{organ.code}_adviser",
               "drafter": f"{undertaker.code}_drafter", "executor": f"{executing.code}_executor"}
        role_of = {"organ": "decision_organ", "head": "head", "secretary": "secretary",
                   "reviewer": "legality_reviewer", "adviser": "legal_adviser", "drafter": "drafter",
                   "executor": "executor", "expert": "expert"}
        office_of = {"organ": organ, "head": organ, "secretary": organ, "reviewer": organ, "adviser": organ,
                     "drafter": undertaker, "executor": executing, "expert": d.expert_pool}
        chain = Chain(self, did, did)
        code = f"{organ.code}-{year}-{did:06d}"
        title = f"{organ.name[:-6]}{rng.choice(TOPICS)}{rng.choice(DOC_TYPES)}"
        category, source = rng.randint(1, 5), rng.choice(("leader", "department", "npc_cppcc", "public"))
        stages = {st: ["pending", "", "", None, ""] for st in order}  # status, entered, left, user, note
        stages[order[0]] = ["current", stamp(t0), "", u[who["organ"]], ""]
        rec = {"state": order[0], "round": 1, "entered": stamp(t0), "updated": stamp(t0), "executing": None,
               "t": float(t0), "n_ev": 0}
        triggers: dict[str, tuple[bool, str]] = {}
        # about 4% stall in a stage before the meeting (久拖不决, Art 38¶2): they stay there to this day
        stall = rng.choice(order[:7]) if rng.random() < 0.04 else None

        def at(hours: float = 1.0) -> str:
            rec["t"] += hours * 3600 * (0.5 + rng.random())
            if rec["t"] > NOW_TS:
                raise Stop
            rec["updated"] = stamp(rec["t"])
            return rec["updated"]

        def wait(stage: str) -> None:
            lo, hi = STAGE_DAYS[stage]
            rec["t"] += rng.uniform(lo, hi) * DAY
            if stage == stall or rec["t"] > NOW_TS:
                raise Stop

        def event(person: str, action: str, detail: dict, when: str | None = None) -> None:
            name = who.get(person, person)
            chain.add(when or at(), name, role_of[person if person in role_of else "expert"],
                      office_of[person if person in office_of else "expert"].code, action, detail)

        def ev(kind: str, person: str = "drafter", meta: dict | None = None, filename: str | None = None,
               expert: str | None = None) -> int:
            when = at(4)
            sha, size = rng.choice(self.files[kind])
            meta = meta or {}
            self.ids["evidence"] += 1
            eid = self.ids["evidence"]
            name = expert or who[person]
            filename = filename or f"{kind}.pdf"
            out["evidence"].append((eid, did, rec["state"], rec["round"], kind, filename, "application/pdf", size, sha,
                                    json.dumps(meta, ensure_ascii=False), u[name], role_of[person],
                                    office_of[person].id, when))
            chain.add(when, name, role_of[person], office_of[person].code, "evidence",
                      {"evidence_id": eid, "kind": kind, "filename": filename, "sha256": sha, "size": size,
                       "stage": rec["state"], "meta": meta})
            rec["n_ev"] += 1
            return eid

        def enter(person: str, dest: str, skipped: list[tuple[str, str]], when: str) -> None:
            src = rec["state"]
            if src in stages and stages[src][0] == "current":
                stages[src][0], stages[src][2] = "done", when
            for st, reason in skipped:
                stages[st] = ["skipped", when, when, u[who[person]], reason]
            if dest in stages:
                stages[dest] = ["current", when, "", u[who[person]], ""]
            rec["state"], rec["entered"] = dest, when

        def plan(after: str) -> tuple[str, list[tuple[str, str]]]:
            skipped = []
            for st in order[order.index(after) + 1:]:
                if st in APPLIES:
                    name, wanted = APPLIES[st]
                    if triggers[name][0] != wanted:
                        skipped.append((st, f"判定「{self.profile.triggers[name].name_zh}」为"
                                            f"{'是' if triggers[name][0] else '否'}，本阶段不适用（{name}="
                                            f"{'yes' if triggers[name][0] else 'no'}）"))
                        continue
                return st, skipped
            return "closed", skipped

        def advance(person: str, after: str) -> None:
            dest, skipped = plan(after)
            when = at()
            src = rec["state"]
            enter(person, dest, skipped, when)
            event(person, "advance", {"from": src, "to": dest,
                                      "skipped": [{"stage": k, "reason": r} for k, r in skipped]}, when)

        def side(person: str, action: str, dest: str, reason: str, finished: bool = False) -> None:
            when = at()
            src = rec["state"]
            row = stages.get(src)
            if row is not None:
                row[4] = f"{action}: {reason}"
                if finished:
                    row[0], row[2] = "done", when
            rec["state"], rec["entered"] = dest, when
            event(person, action, {"from": src, "to": dest, "reason": reason}, when)

        try:
            event("organ", "create", {"code": code, "title": title, "organ": organ.code, "undertaker": undertaker.code,
                                      "co_undertakers": [], "category": category, "source": source,
                                      "catalog": item, "profile": self.profile.name,
                                      "profile_version": self.profile.version}, stamp(t0))
            ev("proposal", "organ", {"source": source})
            ev("start_decision", "organ", {"date": day(rec["t"])})
            if rng.random() < 0.02:
                side("organ", "exclude", "excluded", "经审查不属于重大行政决策事项（条例第3条第2款）")
                return
            wait("proposed")
            advance("organ", "proposed")
            # triggers, once, at the start of drafting
            for name, rate in TRIGGER_RATES.items():
                yes = rng.random() < rate
                reason = "《保守国家秘密法》第13条" if (yes and name == "non_disclosable") else \
                    ("" if yes else f"经研究，{self.profile.triggers[name].name_zh}不适用")
                triggers[name] = (yes, reason)
            when = at(24)
            for name, (yes, reason) in triggers.items():
                self.ids["triggerdetermination"] += 1
                out["triggerdetermination"].append((self.ids["triggerdetermination"], did, name, yes, reason,
                                                    u[who["drafter"]], when))
            event("drafter", "triggers", {k: {"value": "yes" if v else "no", "reason": r}
                                          for k, (v, r) in triggers.items()}, when)
            tv = {k: v for k, (v, _r) in triggers.items()}
            while True:  # one round per pass; a meeting outcome `revise` starts the next
                ev("draft", meta={"version": f"v{rec['round']}"})
                for k in range(extra if rec["round"] == 1 else 0):
                    ev("draft", meta={"version": f"v1.{k + 1}"})
                    self.extras += 1
                ev("legal_basis", meta={"laws": "《重大行政决策程序暂行条例》"})
                if tv["interagency"]:
                    ev("interagency_consultation", meta={"consensus": "yes"})
                if rec["round"] == 1 and rng.random() < 0.01:
                    side("organ", "withdraw", "withdrawn", "决策事项情况发生变化，撤回决策建议")
                    return
                wait("drafting")
                advance("drafter", "drafting")
                while rec["state"] not in ("legality_review",):
                    st = rec["state"]
                    if st == "public_participation":
                        start = rec["t"]
                        ev("participation_activity", meta={"form": "open_comment", "start": day(start),
                                                           "end": day(start + 30 * DAY)})
                        if tv["specific_groups"]:
                            ev("participation_activity", meta={"form": "group_consultation"})
                        if tv["market_entities"]:
                            ev("participation_activity", meta={"form": "enterprise_consultation"})
                        wait(st)
                        n = rng.randint(0, 400)
                        a = rng.randint(0, n)
                        p = rng.randint(0, n - a)
                        ev("opinion_register", meta={"received": n, "adopted": a, "partially_adopted": p,
                                                     "not_adopted": n - a - p})
                    elif st == "expert_review":
                        for k in rng.sample(range(1, EXPERTS + 1), 3 + (rng.random() < 0.1) * 2):
                            ev("expert_opinion", "expert", {"expert": f"expert{k:02d}", "signed": "yes",
                                                            "direct_interest": "no"}, expert=f"expert{k:02d}")
                        wait(st)
                        ev("expert_adoption")
                    elif st == "risk_assessment":
                        wait(st)
                        ev("risk_report", meta={"conclusion": "controllable", "level": rng.choice(("low", "medium"))})
                    elif st == "fair_competition_review":
                        wait(st)
                        ev("fair_competition_review", meta={"conclusion": "pass"})
                    advance("drafter", st)
                submitted = rec["t"]
                ev("legality_submission", meta={"submitted": day(submitted)})
                ev("legal_adviser_opinion", "adviser")
                wait("legality_review")
                ev("legality_opinion", "reviewer", {"conclusion": "lawful"})
                advance("drafter", "legality_review")
                wait("collective_discussion")
                roll = rng.random()
                outcome = "approve" if roll < 0.95 else ("revise" if roll < 0.975 else
                                                         ("reject" if roll < 0.99 else "defer"))
                when = at()
                mdate = day(rec["t"])
                minutes = ev("meeting_minutes", "secretary", {"date": mdate, "type": "executive"}, "纪要.pdf")
                self.ids["meeting"] += 1
                mid = self.ids["meeting"]
                head = who["head"]
                members = [f"{organ.code}_vm{k}" for k in range(1, 7)] + [head]
                head_pos = outcome if outcome in ("approve", "reject") else "approve"
                positions = [(m, "approve") for m in members[:-1]] + [(head, head_pos)]
                out["meeting"].append((mid, did, rec["round"], "executive", mdate, 7, u[head], outcome, "",
                                       minutes, u[who["secretary"]], when))
                for k, (m, pos) in enumerate(positions, start=1):
                    out["meetingposition"].append((mid, k, u[m], pos, m == head))
                majority = "approve"
                event("secretary", "meeting", {
                    "meeting_id": mid, "type": "executive", "date": mdate, "members": 7, "present": 7,
                    "positions": [{"user": m, "position": pos} for m, pos in positions], "head": head,
                    "majority": majority, "outcome": outcome, "reason": "",
                    "minutes_sha256": out["evidence"][-1][8]}, when)
                src = rec["state"]
                if outcome == "revise":
                    dpos = order.index("drafting")
                    for st in order[dpos:]:
                        row = stages[st]
                        if st == "drafting":
                            stages[st] = ["current", when, "", u[who["secretary"]], ""]
                        else:
                            row[0], row[1], row[2], row[4] = "pending", "", "", ""
                    rec["round"] += 1
                    rec["state"], rec["entered"] = "drafting", when
                    event("secretary", "transition", {"from": src, "to": "drafting", "by": "meeting:revise",
                                                      "skipped": []}, when)
                    continue
                if outcome in ("reject", "defer"):
                    dest = "rejected" if outcome == "reject" else "deferred"
                    row = stages[src]
                    row[4] = f"会议决定 / meeting outcome: {outcome}"
                    if outcome == "reject":
                        row[0], row[2] = "done", when
                    rec["state"], rec["entered"] = dest, when
                    event("secretary", "transition", {"from": src, "to": dest, "by": f"meeting:{outcome}",
                                                      "skipped": []}, when)
                    return
                dest, skipped = plan("collective_discussion")
                enter("secretary", dest, skipped, when)
                event("secretary", "transition", {"from": src, "to": dest, "by": "meeting:approve",
                                                  "skipped": [{"stage": k, "reason": r} for k, r in skipped]}, when)
                break
            ev("party_committee_report", "organ", {"reported": day(rec["t"])})
            if tv["npc_scope"]:
                ev("npc_report", "organ", {"reported": day(rec["t"])})
            ev("execution_assignment", "organ", {"executing_unit": executing.code})
            rec["executing"] = executing.id
            wait("party_report")
            advance("organ", "party_report")
            if rec["state"] == "publication":
                ev("publication_record", "organ", {"channel": rng.choice(("gazette", "website", "newspaper")),
                                                   "date": day(rec["t"])})
                if tv["high_public_concern"] or tv["professional_technical"]:
                    ev("adoption_explanation", "organ")
                wait("publication")
                advance("organ", "publication")
            # execution: a report due every six months (about half are filed: the dashboard's overdue figure),
            # then closed; a few are suspended
            span = rng.uniform(120, 900) * DAY
            end = rec["t"] + span
            suspend = rng.random() < 0.01
            while rec["t"] + 182 * DAY < end:
                rec["t"] += 182 * DAY - 12 * 3600
                if rng.random() < 0.5:
                    ev("execution_report", "executor", {"period": day(rec["t"])[:7]})
                if suspend:
                    ev("issue_report", "executor", {})
                    side("head", "suspend", "suspended", "执行中发现重大问题，暂停执行（条例第37条）")
                    return
            rec["t"] = end
            if rec["t"] > NOW_TS:
                raise Stop
            advance("organ", "execution")
        except Stop:
            pass
        finally:
            self.evidence_rows += rec["n_ev"]
            self.stats[rec["state"]] = self.stats.get(rec["state"], 0) + 1
            out["decision"].append((did, code, title, organ.id, undertaker.id, category, source, item,
                                    self.profile.name, self.profile.version, rec["state"], rec["round"],
                                    rec["executing"], None, stamp(t0), rec["updated"], rec["entered"], 1))
            for pos, st in enumerate(order):
                self.ids["stagestatus"] += 1
                status, entered, left, user, note = stages[st]
                days = stage_days(entered, left) if status == "done" else None  # as service.enter_stage writes it
                out["stagestatus"].append((self.ids["stagestatus"], did, st, pos, status, entered, left, user, note,
                                           days))

    # --- everything
    def run(self, progress: bool = True) -> dict[str, Any]:
        t_start = time.perf_counter()
        self.store_files()
        d = self.directory()
        catalog = self.catalogs(d)
        self.flush()
        self.join()
        span0, span1 = year_start(FIRST_YEAR), NOW_TS - 20 * DAY
        # more decisions each year as organs take the system up (weight 0.6 in 2017 rising to 1.4)
        starts = sorted(int(span0 + (span1 - span0) * ((-0.6 + (0.36 + 1.6 * self.rng.random()) ** 0.5) / 0.8))
                        for _ in range(self.n))
        per_decision = self.evidence_target / self.n if self.n else 0
        for k, t0 in enumerate(starts):
            # extra draft versions keep the evidence count on target as the run goes (exactly, at the end)
            natural = (self.evidence_rows - self.extras) / k if k else 10.0
            deficit = round(per_decision * (k + 1) - self.evidence_rows - natural)
            extra = max(0, min(deficit, 40 if k == self.n - 1 else 6))
            self.decision(d, k + 1, t0, catalog, extra)
            if (k + 1) % self.batch == 0 or k == self.n - 1:
                self.flush()
                if progress:
                    el = time.perf_counter() - t_start
                    print(f"  {k + 1:>8,} decisions, {self.evidence_rows:>9,} evidence, {self.ids['auditevent']:>9,} "
                          f"audit rows — {el:6.1f} s", file=sys.stderr, flush=True)
        self.join()
        t_fin = time.perf_counter()
        self.w.finish()
        self.w.seconds += time.perf_counter() - t_fin
        return {"decisions": self.n, "offices": len(d.offices), "organs": len(d.organs), "users": len(d.users),
                "catalog_items": self.ids["catalogitem"], "evidence": self.evidence_rows,
                "audit_events": self.ids["auditevent"], "stage_rows": self.ids["stagestatus"],
                "triggers": self.ids["triggerdetermination"], "meetings": self.ids["meeting"],
                "rows": self.w.rows, "write_seconds": self.w.seconds, "states": dict(sorted(self.stats.items(), key=lambda kv: -kv[1])),
                "seconds": time.perf_counter() - t_start, "analyze_seconds": time.perf_counter() - t_fin}


def generate(url: str, *, decisions: int, offices: int = 300, evidence: int | None = None, seed: int = 713,
             progress: bool = True) -> dict[str, Any]:
    """Migrate the database at `url` (JUECE_DATA_DIR must be set) and fill it; returns what was made."""
    from decisions.storage.db import migrate

    os.environ["JUECE_DATABASE_URL"] = url
    os.environ.setdefault("JUECE_NOW", NOW)
    migrate()
    gen = Generator(Writer(url), n_decisions=decisions, n_offices=offices,
                    evidence=evidence if evidence is not None else decisions * 10, seed=seed)
    return gen.run(progress)


def describe(r: dict[str, Any]) -> str:
    return (f"{r['decisions']:,} decisions, {r['offices']} offices ({r['organs']} organs), {r['users']:,} users, "
            f"{r['catalog_items']:,} catalog items, {r['evidence']:,} evidence rows, {r['audit_events']:,} audit "
            f"events, {r['stage_rows']:,} stage rows, {r['triggers']:,} trigger determinations, {r['meetings']:,} "
            f"meetings — {r['rows']:,} rows in {r['seconds']:.1f} s ({r['rows'] / r['seconds']:,.0f} rows/s; writing "
            f"{r['write_seconds']:.1f} s of it, VACUUM ANALYZE {r['analyze_seconds']:.1f} s)")


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--decisions", type=int, default=100_000)
    ap.add_argument("--offices", type=int, default=300)
    ap.add_argument("--evidence", type=int, default=None,
                    help="at least this many evidence rows in all (default 10 per decision)")
    ap.add_argument("--database-url", default="", help="default: SQLite in a fresh temporary directory")
    ap.add_argument("--data-dir", default="", help="JUECE_DATA_DIR for the evidence store (default: a temp dir)")
    ap.add_argument("--seed", type=int, default=713)
    args = ap.parse_args(list(argv) if argv is not None else None)
    data_dir = args.data_dir or os.environ.get("JUECE_DATA_DIR") or tempfile.mkdtemp(prefix="juece-gen-")
    os.environ["JUECE_DATA_DIR"] = data_dir
    url = args.database_url or f"sqlite:///{data_dir}/juece.db"
    r = generate(url, decisions=args.decisions, offices=args.offices, evidence=args.evidence, seed=args.seed)
    print(f"JUECE_DATA_DIR={data_dir}\nJUECE_DATABASE_URL={url}\n{describe(r)}")
    print("states: " + ", ".join(f"{k} {v:,}" for k, v in r["states"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
