#!/usr/bin/env bash
# Starts the local stand-in for the cloud document stores: Debian's nginx with WebDAV (core DAV
# module + libnginx-mod-http-dav-ext), as the current user, on loopback, with three stores named
# like the sample policy's: sharepoint-eu (127.0.0.1:8091), sharepoint-fr (:8092) and
# ged-souveraine-fr (:8093).
# Files land in .dev/cloud/<store>/; the generated config, logs and temp files in .dev/cloud-nginx/.
#
#   scripts/dev-cloud.sh            start (idempotent: a running one is kept)
#   scripts/dev-cloud.sh stop       stop the nginx this script started (its pid file)
#
# Ports: SOVEREIGNTY_DEV_CLOUD_PORT (first store; the others use the next ports).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/.dev/cloud-nginx"
cloud="$root/.dev/cloud"
port=${SOVEREIGNTY_DEV_CLOUD_PORT:-8091}
module=/usr/lib/nginx/modules/ngx_http_dav_ext_module.so
pidfile="$state/nginx.pid"

running() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if [ "${1:-start}" = stop ]; then
  if running; then
    kill -QUIT "$(cat "$pidfile")"
    echo "dev-cloud: stopped nginx" >&2
  fi
  exit 0
fi

[ -x /usr/sbin/nginx ] && [ -e "$module" ] || { echo "dev-cloud: nginx with the dav-ext module is missing; run scripts/install-deps.sh" >&2; exit 1; }

if running; then
  echo "dev-cloud: nginx already running (pid $(cat "$pidfile"), kept)" >&2
  exit 0
fi

mkdir -p "$state/logs" "$state/tmp" "$cloud/sharepoint-eu" "$cloud/sharepoint-fr" "$cloud/ged-souveraine-fr"
store() { # name port
  cat <<SERVER
  server {
    listen 127.0.0.1:$2;
    root $cloud/$1;
    location / {
      dav_methods PUT DELETE MKCOL COPY MOVE;
      dav_ext_methods PROPFIND OPTIONS;
      create_full_put_path on;
      dav_access user:rw;
    }
  }
SERVER
}
# master_process off: one process, the current user's, so no root and no worker user switch.
# nginx writes a PUT body to a temp file and renames it into place only when it is complete.
cat >"$state/nginx.conf" <<CONF
load_module $module;
master_process off;
worker_processes 1;
pid $pidfile;
error_log $state/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log $state/logs/access.log;
  client_body_temp_path $state/tmp/body;
  proxy_temp_path $state/tmp/proxy;
  fastcgi_temp_path $state/tmp/fastcgi;
  uwsgi_temp_path $state/tmp/uwsgi;
  scgi_temp_path $state/tmp/scgi;
  client_max_body_size 0;
$(store sharepoint-eu "$port")
$(store sharepoint-fr $((port + 1)))
$(store ged-souveraine-fr $((port + 2)))
}
CONF

/usr/sbin/nginx -p "$state" -e "$state/logs/error.log" -c "$state/nginx.conf"
for _ in $(seq 1 50); do
  running && break
  sleep 0.1
done
running || { echo "dev-cloud: nginx did not start; see $state/logs/error.log" >&2; exit 1; }
echo "dev-cloud: nginx WebDAV stores sharepoint-eu on 127.0.0.1:$port, sharepoint-fr on :$((port + 1)), ged-souveraine-fr on :$((port + 2)) (files in $cloud)" >&2
