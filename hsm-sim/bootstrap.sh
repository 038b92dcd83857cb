#!/usr/bin/env bash
# Bootstraps a SoftHSM2 token in a project-local directory, never the system one.
#
#   eval "$(hsm-sim/bootstrap.sh [STATE_DIR])"     (default STATE_DIR: .dev/hsm in the repository)
#
# Idempotent: when the token already exists it is kept, with its keys.
# PINs: SOVEREIGNTY_HSM_PIN / SOVEREIGNTY_HSM_SO_PIN when set (the user PIN is then read by
# Sovereignty from that variable), else files STATE_DIR/secrets/{user,so}.pin, created once with
# random PINs (mode 600, directory 700, ignored by git: .dev/ is in .gitignore).
# Other knobs: SOVEREIGNTY_HSM_TOKEN (token label, default sovereignty-dev),
# SOVEREIGNTY_HSM_MODULE (default /usr/lib/softhsm/libsofthsm2.so).
#
# Prints, on stdout, the environment that points Sovereignty at the token: SOFTHSM2_CONF and the
# SOVEREIGNTY__HSM__… variables (.NET configuration: "__" is ":", case-insensitive), with two dev
# key classes and two dev key pairs. Messages go to stderr. See docs/hsm.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=${1:-"$root/.dev/hsm"}
label=${SOVEREIGNTY_HSM_TOKEN:-sovereignty-dev}
module=${SOVEREIGNTY_HSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

command -v softhsm2-util >/dev/null || { echo "hsm-sim: softhsm2-util not found; run scripts/install-deps.sh" >&2; exit 1; }
[ -e "$module" ] || { echo "hsm-sim: PKCS#11 module $module not found; install softhsm2 or set SOVEREIGNTY_HSM_MODULE" >&2; exit 1; }

mkdir -p "$state/tokens" "$state/secrets"
chmod 700 "$state" "$state/secrets"
state=$(cd "$state" && pwd)
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

if softhsm2-util --show-slots 2>/dev/null | grep -qE "^[[:space:]]*Label:[[:space:]]+${label}[[:space:]]*$"; then
  echo "hsm-sim: token '$label' already exists in $state/tokens (kept, with its keys)" >&2
else
  softhsm2-util --init-token --free --label "$label" --pin "$user_pin" --so-pin "$so_pin" >/dev/null
  echo "hsm-sim: created token '$label' in $state/tokens" >&2
fi

if [ -n "${SOVEREIGNTY_HSM_PIN:-}" ]; then
  pin_line='export SOVEREIGNTY__HSM__PROVIDERS__0__PINENVIRONMENTVARIABLE="SOVEREIGNTY_HSM_PIN"'
else
  pin_line="export SOVEREIGNTY__HSM__PROVIDERS__0__PINFILE=\"$state/secrets/user.pin\""
fi

cat <<ENV
export SOFTHSM2_CONF="$conf"
export SOVEREIGNTY__HSM__PROVIDERS__0__NAME="softhsm-dev"
export SOVEREIGNTY__HSM__PROVIDERS__0__MODULEPATH="$module"
export SOVEREIGNTY__HSM__PROVIDERS__0__TOKENLABEL="$label"
$pin_line
export SOVEREIGNTY__HSM__PROVIDERS__0__SESSIONPOOLSIZE="4"
export SOVEREIGNTY__HSM__KEYCLASSES__0__NAME="confidential-fr"
export SOVEREIGNTY__HSM__KEYCLASSES__0__PROVIDER="softhsm-dev"
export SOVEREIGNTY__HSM__KEYCLASSES__0__RESIDENCY="fr"
export SOVEREIGNTY__HSM__KEYCLASSES__1__NAME="internal-eu"
export SOVEREIGNTY__HSM__KEYCLASSES__1__PROVIDER="softhsm-dev"
export SOVEREIGNTY__HSM__KEYCLASSES__1__RESIDENCY="eu"
export SOVEREIGNTY__HSM__KEYPAIRS__0__NAME="smime-signing"
export SOVEREIGNTY__HSM__KEYPAIRS__0__PROVIDER="softhsm-dev"
export SOVEREIGNTY__HSM__KEYPAIRS__0__MODULUSBITS="2048"
export SOVEREIGNTY__HSM__KEYPAIRS__0__RESIDENCY="fr"
export SOVEREIGNTY__HSM__KEYPAIRS__1__NAME="smime-escrow"
export SOVEREIGNTY__HSM__KEYPAIRS__1__PROVIDER="softhsm-dev"
export SOVEREIGNTY__HSM__KEYPAIRS__1__MODULUSBITS="2048"
export SOVEREIGNTY__HSM__KEYPAIRS__1__RESIDENCY="fr"
export SOVEREIGNTY__KEYEVENTLOG__PATH="$root/.dev/key-events.jsonl"
ENV
