"""`juece` — the command line of procedure.md §7. A thin entry point: parse, call a use case, print.

One module per command group (``base`` holds the root app and what every group shares). Exit codes: 0 done ·
2 bad input · 3 blocked by a procedure rule · 4 not permitted · 5 not found · 6 integrity failure · 7 conflict.
A refused command changes nothing.
"""

from __future__ import annotations

import sys

from decisions import channel
from decisions.cli import (  # noqa: F401  (each module registers its commands on the app, in this order)
    accounts,
    aftercare,
    archive,
    catalog,
    deadlines,
    deployment,
    oa,
    participation,
    procedure,
    records,
    registers,
)
from decisions.cli.base import app

__all__ = ["app", "main"]


def main() -> None:
    from decisions.cli.crashlog import run_guarded  # an unexpected exception: one line and a log file, exit 1

    channel.set_channel("cli")
    sys.exit(run_guarded(lambda: app(prog_name="juece")))


if __name__ == "__main__":
    main()
