#!/usr/bin/env bash
# Installs the Debian packages Sovereignty's gateway and tests need, when missing.
# Idempotent: a machine that has them all is left alone (no apt-get update).
set -euo pipefail

packages=(
  softhsm2        # the simulated HSM (PKCS#11 module /usr/lib/softhsm/libsofthsm2.so)
  opensc          # pkcs11-tool, to inspect tokens
  redis-server    # the audit log store
  nginx           # WebDAV stand-in for the cloud document store (core DAV: PUT, DELETE, MKCOL, COPY, MOVE)
  libnginx-mod-http-dav-ext  # nginx PROPFIND and OPTIONS, which its core DAV module lacks
  swaks           # SMTP client used by tests
  libnss3-tools   # cmsutil: checks S/MIME output the way Thunderbird does
  gpgsm           # a third S/MIME implementation for compatibility tests
  openssl         # openssl cms, openssl speed baselines
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
