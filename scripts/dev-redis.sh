#!/usr/bin/env bash
# Starts a local redis-server for the audit log under .dev/redis (idempotent: a running one
# is kept) and prints the Sovereignty:Audit settings as `export` lines, plus the audit
# checkpoint key pair on the dev SoftHSM token (see docs/audit-log.md).
#
#   eval "$(scripts/dev-redis.sh)"      (after eval "$(hsm-sim/bootstrap.sh)")
#
# Durability as documented for production: appendonly yes, appendfsync everysec.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.dev/redis"
port=${SOVEREIGNTY_DEV_REDIS_PORT:-6391}
mkdir -p "$state"

if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
  redis-server --port "$port" --bind 127.0.0.1 --dir "$state" --appendonly yes --appendfsync everysec \
    --save "" --daemonize yes --pidfile "$state/redis.pid" --logfile "$state/redis.log"
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "dev-redis: started redis-server on 127.0.0.1:$port (data in $state)" >&2
else
  echo "dev-redis: redis-server already running on 127.0.0.1:$port (kept)" >&2
fi

cat <<ENV
export SOVEREIGNTY__AUDIT__REDIS="127.0.0.1:$port"
export SOVEREIGNTY__AUDIT__NODEID="dev-$(hostname | tr -c 'A-Za-z0-9._\n-' '-')"
export SOVEREIGNTY__HSM__KEYPAIRS__2__NAME="audit-checkpoints"
export SOVEREIGNTY__HSM__KEYPAIRS__2__PROVIDER="softhsm-dev"
export SOVEREIGNTY__HSM__KEYPAIRS__2__MODULUSBITS="2048"
export SOVEREIGNTY__HSM__KEYPAIRS__2__RESIDENCY="fr"
ENV
