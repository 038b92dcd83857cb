#!/usr/bin/env bash
# Bootstraps a SoftHSM2 token in a project-local directory, never the system one.
#
#   hsm-sim/bootstrap.sh [STATE_DIR]      (default: .dev/hsm beside the repository root)
#
# Idempotent: when the token already exists it is kept, with its keys.
# PINs come from SOVEREIGNTY_HSM_PIN / SOVEREIGNTY_HSM_SO_PIN, or else from files in
# STATE_DIR/secrets (created with random PINs, mode 600, ignored by git).
# Prints the environment to use the token (SOFTHSM2_CONF) on stdout as `export` lines.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=${1:-"$root/.dev/hsm"}
label=${SOVEREIGNTY_HSM_TOKEN:-sovereignty-dev}
module=${SOVEREIGNTY_HSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

mkdir -p "$state/tokens" "$state/secrets"
chmod 700 "$state/secrets"
conf="$state/softhsm2.conf"
cat >"$conf" <<CONF
directories.tokendir = $state/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF="$conf"

pin_from() { # env-var-name file
  local value=${!1:-}
  if [ -n "$value" ]; then printf '%s' "$value"; return; fi
  if [ ! -s "$2" ]; then
    (umask 077; head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$2")
  fi
  cat "$2"
}
user_pin=$(pin_from SOVEREIGNTY_HSM_PIN "$state/secrets/user.pin")
so_pin=$(pin_from SOVEREIGNTY_HSM_SO_PIN "$state/secrets/so.pin")

if softhsm2-util --show-slots 2>/dev/null | grep -qE "Label:\s+$label\s*$"; then
  echo "hsm-sim: token '$label' already exists in $state/tokens (kept)" >&2
else
  softhsm2-util --init-token --free --label "$label" --pin "$user_pin" --so-pin "$so_pin" >/dev/null
  echo "hsm-sim: created token '$label' in $state/tokens" >&2
fi

cat <<ENV
export SOFTHSM2_CONF="$conf"
export Sovereignty__Hsm__Providers__0__Name="softhsm"
export Sovereignty__Hsm__Providers__0__ModulePath="$module"
export Sovereignty__Hsm__Providers__0__TokenLabel="$label"
export Sovereignty__Hsm__Providers__0__PinFile="$state/secrets/user.pin"
ENV
