"""The files of deploy/: the backup script keeps the newest backups and records the last one, the systemd units
pass `systemd-analyze verify`, the OS-package check names what is missing and the command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _fake_backup(d: Path, name: str, complete: bool = True) -> Path:
    b = d / name
    b.mkdir()
    if complete:
        (b / "manifest.json").write_text("{}")
    return b


def test_backup_script_backs_up_and_keeps_the_newest(env: Path, tmp_path: Path):
    backups = tmp_path / "backups"
    backups.mkdir()
    old = [_fake_backup(backups, f"juece-2020010{i}T000000Z") for i in range(1, 4)]
    partial = _fake_backup(backups, "juece-20190101T000000Z", complete=False)   # not a complete backup: left alone
    leftover = backups / ".juece-2020010ZT000000Z.tmp-abc"                        # a killed run's work directory
    leftover.mkdir()
    os.utime(leftover, (0, 0))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    juece = bin_dir / "juece"
    juece.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m decisions.cli "$@"\n')
    juece.chmod(0o755)
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "JUECE_BIN": str(juece), "JUECE_BACKUP_DIR": str(backups),
               "JUECE_BACKUP_KEEP": "2"}
    r = subprocess.run([str(DEPLOY / "juece-backup.sh")], env=environ, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    left = sorted(p.name for p in backups.iterdir())
    new = [n for n in left if n not in {p.name for p in (*old, partial)}]
    assert len(new) == 1 and (backups / new[0] / "manifest.json").is_file() and not leftover.exists()
    assert left == sorted([partial.name, old[2].name, new[0]]), left   # the newest 2 complete ones, the partial one
    record = json.loads((env / "last-backup.json").read_text("utf-8"))
    assert record["path"] == str(backups / new[0])

    bad = subprocess.run([str(DEPLOY / "juece-backup.sh")], env={**environ, "JUECE_BACKUP_KEEP": "0"},
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "JUECE_BACKUP_KEEP" in bad.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path: Path):
    """`systemd-analyze verify` reports nothing (unknown keys, bad values). The program paths and the user are
    replaced by ones that exist here; everything else is checked as shipped."""
    for unit in (DEPLOY / "systemd").iterdir():
        text = (unit.read_text("utf-8").replace("/opt/juece/bin/juece", "/bin/true")
                .replace("/usr/local/lib/juece/juece-backup.sh", "/bin/true")
                .replace("User=juece", "User=root").replace("Group=juece", "Group=root"))
        name = unit.name.replace("@.service", "@8501.service")
        (tmp_path / name).write_text(text, "utf-8")
    units = sorted(str(p) for p in tmp_path.iterdir())
    assert any(u.endswith("juece-ui@8501.service") for u in units)
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    complaints = [line for line in (r.stdout + r.stderr).splitlines() if str(tmp_path) in line]
    assert r.returncode == 0 and not complaints, r.stdout + r.stderr


def test_system_packages_script_names_what_is_missing(tmp_path: Path):
    """With none of the tools on PATH (and no apt-get), one message lists the packages and the command; exit 1."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("id", "python3"):
        (bin_dir / tool).symlink_to(os.path.realpath(sys.executable) if tool == "python3" else shutil.which(tool))
    r = subprocess.run(["/bin/bash", str(DEPLOY / "system-packages.sh"), "--test"], env={"PATH": str(bin_dir)},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stdout == ""
    assert "poppler-utils qpdf libreoffice-writer-nogui" in r.stderr and "chromium" in r.stderr
    assert "sudo apt-get install -y --no-install-recommends" in r.stderr and r.stderr.count("\n") == 1
    ok = subprocess.run(["/bin/bash", str(DEPLOY / "system-packages.sh")],
                        env={"PATH": str(bin_dir), "JUECE_SKIP_SYSTEM_PACKAGES": "1"}, capture_output=True, timeout=60)
    assert ok.returncode == 0


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed")
def test_nginx_config_passes_nginx_t(tmp_path: Path):
    """`nginx -t` accepts deploy/nginx/juece.conf as shipped, inside a minimal main configuration; only the
    certificate paths (a throw-away self-signed pair made here) and the log paths point into tmp_path."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "juece.example.gov.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                             serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    site = ((DEPLOY / "nginx" / "juece.conf").read_text("utf-8")
            .replace("/etc/ssl/juece/", f"{tmp_path}/").replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "juece.conf").write_text(site, "utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {tmp_path}/access.log;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  include {tmp_path}/juece.conf;\n}}\n", "utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    r = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "test is successful" in r.stderr, r.stderr
