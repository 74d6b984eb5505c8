#!/usr/bin/env bash
# The operating-system packages juece needs (Debian/Ubuntu names); used by `make run`, `make test` and .ci/run.
#
#   deploy/system-packages.sh          to run juece: Python >= 3.11 with venv, the CJK font fonts-wqy-zenhei,
#                                      poppler-utils, qpdf, LibreOffice (document previews)
#   deploy/system-packages.sh --pg     and the PostgreSQL server (`make run-pg`)
#   deploy/system-packages.sh --test   and for the tests: the PostgreSQL server, Chromium, the fallback fonts
#                                      fonts-wqy-microhei, fonts-arphic-uming, fonts-dejavu-core, and nginx
#                                      (its `nginx -t` checks deploy/nginx/juece.conf; no service is started)
#
# As root with apt-get, whatever is missing is installed. Otherwise one message lists the packages and the
# command to install them, and the script exits 1. JUECE_SKIP_SYSTEM_PACKAGES=1 skips the check (another
# distribution, an image prepared beforehand). PYTHON names the interpreter (default python3).
set -euo pipefail

mode=run
case "${1:-}" in
  --test) mode=test ;;
  --pg) mode=pg ;;
  "") ;;
  *) echo "usage: $0 [--pg|--test]" >&2; exit 2 ;;
esac
[ "${JUECE_SKIP_SYSTEM_PACKAGES:-0}" = 1 ] && exit 0

have() { command -v "$1" >/dev/null 2>&1; }
python="${PYTHON:-python3}"
need=()

if ! have "$python"; then
  need+=(python3 python3-venv)
elif ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "juece 需要 Python 3.11 或更高版本 / juece needs Python >= 3.11; $python is $("$python" -V 2>&1):" \
       "set PYTHON=python3.11 (or newer)" >&2
  exit 1
elif ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  need+=(python3-venv)
fi
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
{ have pdftoppm && have pdftotext && have pdffonts; } || need+=(poppler-utils)
have qpdf || need+=(qpdf)
{ have soffice || have libreoffice; } || need+=(libreoffice-writer-nogui)
if [ "$mode" != run ]; then
  { [ -n "${JUECE_PG_BIN:-}" ] || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; } || need+=(postgresql)
fi
if [ "$mode" = test ]; then
  [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
  [ -f /usr/share/fonts/truetype/arphic/uming.ttc ] || need+=(fonts-arphic-uming)       # the dossier's fallbacks
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
  have chromium || need+=(chromium)
  { have nginx || [ -x /usr/sbin/nginx ]; } || need+=(nginx)                            # `nginx -t` of deploy/nginx
fi

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && have apt-get; then
  echo "安装系统软件包 / installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # no service starts on install (nginx would take port 80, postgresql its own cluster): juece starts what it
  # needs itself; Debian's policy-rc.d convention, removed again afterwards if we made it
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  status=0
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || status=$?
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  exit "$status"
fi
echo "缺少系统软件包 / missing system packages: ${need[*]} — 请以 root 运行 / install them as root:" \
     "sudo apt-get install -y --no-install-recommends ${need[*]}" \
     "(other systems: the equivalent packages, then JUECE_SKIP_SYSTEM_PACKAGES=1)" >&2
exit 1
