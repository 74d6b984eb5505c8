"""Where juece finds its files: what it ships (package data) and where a deployment keeps its own.

**Shipped files** are package data, found through `importlib.resources`, so an installed juece (a wheel
in any site-packages, an editable install) finds them wherever it runs from:

* ``juece_data`` — the ``data/`` folder at the top of the checkout, installed under that package name
  (``package-dir`` in pyproject.toml): the procedure profiles ``procedures/*.toml`` and the demo
  catalogs ``demo/catalogs/*.csv``;
* ``pdf/srgb.icc`` — the sRGB profile of the dossier's PDF/A OutputIntent (read in `pdf.pdfa`);
* ``decisions/migrations`` — the Alembic scripts (``decisions:migrations`` in `decisions.db`);
* ``ui/app.py`` and ``ui/pages/*.py`` — the Streamlit workbench.

Code run from a source checkout (an editable install, or ``PYTHONPATH=checkout``) reads that checkout's
own ``data/``: several worktrees may share one virtual environment whose editable install points at
another checkout, and each must see its own profiles.

**A deployment's files.** The data directory (the embedded SQLite database and the evidence store) is
``JUECE_DATA_DIR``; unset, it is per user ``$XDG_DATA_HOME/juece`` (``~/.local/share/juece``). The
systemd units in ``deploy/`` set ``JUECE_DATA_DIR=/var/lib/juece``; ``make run`` sets ``./var``.
``JUECE_PROFILE_DIR`` names a folder of local profiles searched before the shipped ones.
"""

from __future__ import annotations

import atexit
import os
import sys
from contextlib import ExitStack
from functools import lru_cache
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

DATA_PACKAGE = "juece_data"
_extracted = ExitStack()  # resources that had to be copied out of an archive, removed at exit
atexit.register(_extracted.close)


def _as_path(resource: Traversable) -> Path:
    """A real file-system path for a resource (a wheel installs files as they are; an archive is extracted)."""
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(as_file(resource))


def _source_checkout() -> Path | None:
    """The checkout holding the running `decisions` package, or None when it is installed (no pyproject beside)."""
    root = Path(sys.modules["decisions"].__file__).resolve().parent.parent  # type: ignore[arg-type]
    if (root / "pyproject.toml").is_file() and (root / "data" / "__init__.py").is_file():
        return root
    return None


@lru_cache(maxsize=1)
def shipped_data() -> Path:
    """The shipped data folder: the checkout's ``data/`` when run from one, else the installed ``juece_data``."""
    checkout = _source_checkout()
    if checkout is not None:
        return checkout / "data"
    return _as_path(files(DATA_PACKAGE))


def shipped_profiles() -> Path:
    """The procedure profiles that come with juece (``juece_data/procedures``)."""
    return shipped_data() / "procedures"


def archive_schema() -> Path:
    """The XML schema of the transfer package's description (``juece_data/archive/juece-aip.xsd``)."""
    return shipped_data() / "archive" / "juece-aip.xsd"


def demo_catalogs() -> Path:
    """The published catalogs the demo is built on (``juece_data/demo/catalogs``)."""
    return shipped_data() / "demo" / "catalogs"


def ui_app() -> Path:
    """The Streamlit script of the workbench (``streamlit run`` needs a file path)."""
    return _as_path(files("ui") / "app.py")


def ui_server() -> Path:
    """The workbench server (``ui/server.py``: Streamlit's st.App with the sign-in cookie endpoint)."""
    return _as_path(files("ui") / "server.py")


def default_data_dir() -> Path:
    """The data directory when ``JUECE_DATA_DIR`` is not set: ``$XDG_DATA_HOME/juece``, else
    ``~/.local/share/juece`` (XDG Base Directory specification; a relative XDG_DATA_HOME is ignored)."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "juece"
