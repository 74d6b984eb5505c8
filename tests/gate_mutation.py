"""Mutation check of the gates: remove each rule of the profile in turn and run the gate tests.

Every rule must make at least one test fail when it is removed ("a test that cannot fail is a defect"); so must
the rule tables ([changes.*] of Art 37, [revise] and its floor, procedure.md §8).
Not collected by pytest (it runs pytest itself, once per rule); run it by hand:

    .venv/bin/python -m tests.gate_mutation            # every rule of state-council-2019
    .venv/bin/python -m tests.gate_mutation --only Art 15
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "data" / "procedures" / "state-council-2019.toml"
TESTS = ["tests/test_gates.py", "tests/test_periods.py", "tests/test_cli.py", "tests/test_participation.py",
         "tests/test_provenance.py",
         "tests/test_registers.py"]


def rule_lines() -> list[tuple[int, str]]:
    """(line number, text) of every rule entry: one rule per line inside rules = [...] / entry_rules = [...], and
    every rule of the order of dates ([time] order = [...], procedure.md §8)."""
    return [(i, line) for i, line in enumerate(PROFILE.read_text(encoding="utf-8").splitlines())
            if line.lstrip().startswith(("{ rule = ", "{ date = "))]


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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="only rules whose line contains this text")
    ap.add_argument("--from-line", type=int, default=0, help="only rules on this line of the profile or later")
    args = ap.parse_args()
    lines = PROFILE.read_text(encoding="utf-8").splitlines()
    base = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS], cwd=ROOT,
                          capture_output=True, text=True)
    if base.returncode != 0:
        print("the gate tests fail on the unmutated profile; fix that first:\n" + base.stdout[-2000:])
        return 2
    survivors = []
    mutations = [(n, text, lines[:n] + lines[n + 1:]) for n, text in rule_lines()] + table_mutations(lines)
    for number, text, mutated in mutations:
        if (args.only and args.only not in text) or number + 1 < args.from_line:
            continue
        tmp = Path(tempfile.mkdtemp(prefix="juece-mut-"))
        for p in PROFILE.parent.glob("*.toml"):
            shutil.copy(p, tmp / p.name)
        (tmp / PROFILE.name).write_text("\n".join(mutated) + "\n", encoding="utf-8")
        start = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
                           cwd=ROOT, env={**os.environ, "JUECE_PROFILE_DIR": str(tmp)}, capture_output=True, text=True)
        caught = r.returncode != 0
        label = text.strip()[:100]
        print(f"{'caught ' if caught else 'MISSED '} {time.perf_counter() - start:5.1f}s  line {number + 1}: {label}",
              flush=True)
        if not caught:
            survivors.append(label)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{len(survivors)} rule(s) removed without any test failing")
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main())
