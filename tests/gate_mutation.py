"""Mutation check of the gates: remove each rule of the profile in turn and run the gate tests.

Every rule must make at least one test fail when it is removed ("a test that cannot fail is a defect").
Besides whole rules, the provenance marks of procedure.md §8 that sit inside a line or outside `rules` are mutated
one at a time (``--marks``): the expert rule's `distinct` (files counted instead of experts), every `floor = true`
and every [floor.params] / [floor.meeting] entry (the national floor), the [meeting] register rules (members of the
organ, the head's role, quorum) and every kind's `pins_draft` (the draft version an act concerns).
The rule tables ([changes.*] of Art 37, [revise] and its floor) are removed whole too, and
[revise]'s `stale` emptied.
Not collected by pytest (it runs pytest itself, once per mutant); run it by hand:

    .venv/bin/python -m tests.gate_mutation            # every rule of state-council-2019
    .venv/bin/python -m tests.gate_mutation --only Art 15
    .venv/bin/python -m tests.gate_mutation --marks    # the §8 marks only (--only filters these too)
    .venv/bin/python -m tests.gate_mutation --marks --only pins_draft --tests tests/test_provenance.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "data" / "procedures" / "state-council-2019.toml"
TESTS = ["tests/test_on_behalf.py", "tests/test_assessor.py",  # first: fast, and they catch the 代录 entries
         "tests/test_provenance.py",  # before the slow files: it catches the [time] order rules
         "tests/test_gates.py", "tests/test_periods.py", "tests/test_cli.py", "tests/test_participation.py",
         "tests/test_registers.py", "tests/test_profiles.py", "tests/test_cli_walk_registers.py"]
PYTEST = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
#: (label, what the line starts with or contains, the text replaced, its replacement) for the §8 marks
MARKS = [
    ("expert panel counts files, not distinct experts", '{ rule = "evidence", kind = "expert_opinion"',
     'distinct = "expert_account", ', ""),
    ("meeting members need not be the organ's", "members_from_organ = true", "true", "false"),
    ("meeting head any decision_organ", 'head_role = "head"', '"head"', '"decision_organ"'),
    ("quorum a third", "quorum_more_than = 0.5", "0.5", "0.33"),
]


def rule_lines() -> list[tuple[int, str]]:
    """(line number, text) of every rule entry: one rule per line inside rules = [...] / entry_rules = [...],
    every rule of the order of dates ([time] order = [...], procedure.md §8), and every kind's 代录 entry
    (``on_behalf = {...}``, §8 "Authors")."""
    return [(i, line) for i, line in enumerate(PROFILE.read_text(encoding="utf-8").splitlines())
            if line.lstrip().startswith(("{ rule = ", "{ date = ", "on_behalf = "))]


def mark_mutants(lines: list[str]) -> list[tuple[int, str, list[str]]]:
    """(line number, label, mutated lines) for each §8 mark: MARKS, then every floor mark and floor entry, then
    every pins_draft."""
    out: list[tuple[int, str, list[str]]] = []
    for label, anchor, old, new in MARKS:
        for i, line in enumerate(lines):
            if anchor in line and old in line:
                out.append((i, label, lines[:i] + [line.replace(old, new, 1)] + lines[i + 1:]))
    section = ""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        if stripped.startswith("floor = true"):
            out.append((i, f"{section} floor mark removed", lines[:i] + lines[i + 1:]))
        elif ", floor = true" in line:
            out.append((i, "a rule's floor mark removed", lines[:i] + [line.replace(", floor = true", "")] + lines[i + 1:]))
        elif section in ("[floor.params]", "[floor.meeting]") and "=" in stripped and not stripped.startswith("#"):
            out.append((i, f"{section} {stripped.split('=')[0].strip()} removed", lines[:i] + lines[i + 1:]))
        elif stripped.startswith("pins_draft = true"):
            out.append((i, f"{section} pins_draft removed", lines[:i] + lines[i + 1:]))
    return out


#: profile tables that are rules too (procedure.md §8): each is removed whole, and a list in it emptied
TABLES = ("[changes.", "[revise]", "[floor.revise]")


def table_mutations(lines: list[str]) -> list[tuple[int, str, list[str]]]:
    """(line number, label, mutated profile lines) for each rule table: the table removed (its header up to the next
    blank line), and for `[revise]` its `stale` list emptied (a revised draft would then rerun nothing)."""
    out = []
    for i, line in enumerate(lines):
        if not line.startswith(TABLES):
            continue
        end = next((j for j in range(i + 1, len(lines)) if not lines[j].strip()), len(lines))
        out.append((i, f"{line.strip()} removed", lines[:i] + lines[end:]))
        for j in range(i + 1, end):
            if line.startswith("[revise]") and lines[j].startswith("stale = "):
                out.append((j, f"{line.strip()} {lines[j].strip()} emptied", [*lines[:j], "stale = []", *lines[j + 1:]]))
    return out


def run_mutant(mutant: tuple[int, str, list[str]], tests: list[str]) -> tuple[int, str, bool, float, str]:
    """Run the gate tests against one mutated profile in its own profile directory: (line, label, caught, seconds,
    the first failing test)."""
    number, label, mutated = mutant
    tmp = Path(tempfile.mkdtemp(prefix="juece-mut-"))
    try:
        for p in PROFILE.parent.glob("*.toml"):
            shutil.copy(p, tmp / p.name)
        (tmp / PROFILE.name).write_text("\n".join(mutated) + "\n", encoding="utf-8")
        start = time.perf_counter()
        r = subprocess.run([*PYTEST, *tests], cwd=ROOT, env={**os.environ, "JUECE_PROFILE_DIR": str(tmp)},
                           capture_output=True, text=True)
        by = next((ln.split(" ", 1)[1].split(" - ")[0] for ln in r.stdout.splitlines()
                   if ln.startswith(("FAILED ", "ERROR "))), "")
        return number, label, r.returncode != 0, time.perf_counter() - start, by
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="only rules whose line contains this text")
    ap.add_argument("--from-line", type=int, default=0, help="only rules on this line of the profile or later")
    ap.add_argument("--marks", action="store_true", help="mutate the §8 marks instead of removing whole rules")
    ap.add_argument("--jobs", type=int, default=2, help="mutants run side by side (one pytest process each)")
    ap.add_argument("--tests", nargs="+", default=TESTS, help="the test files to run (a quicker subset)")
    args = ap.parse_args()
    lines = PROFILE.read_text(encoding="utf-8").splitlines()
    base = subprocess.run([*PYTEST, *args.tests], cwd=ROOT, capture_output=True, text=True)
    if base.returncode != 0:
        print("the gate tests fail on the unmutated profile; fix that first:\n" + base.stdout[-2000:])
        return 2
    if args.marks:
        mutants = [(n, label, m) for n, label, m in mark_mutants(lines) if args.only in label or args.only in lines[n]]
    else:
        mutants = [(n, text.strip()[:100], lines[:n] + lines[n + 1:]) for n, text in rule_lines()
                   if not args.only or args.only in text]
        mutants += [(n, label, m) for n, label, m in table_mutations(lines) if not args.only or args.only in label]
    survivors = []
    chosen = [(n, label, m) for n, label, m in mutants if n + 1 >= args.from_line]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:  # each mutant is its own pytest process
        for number, label, caught, seconds, by in pool.map(lambda m: run_mutant(m, args.tests), chosen):
            print(f"{'caught ' if caught else 'MISSED '} {seconds:5.1f}s  line {number + 1}: {label}"
                  + (f"  [{by}]" if by else ""), flush=True)
            if not caught:
                survivors.append(label)
    print(f"\n{len(survivors)} mutant(s) without any test failing")
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
