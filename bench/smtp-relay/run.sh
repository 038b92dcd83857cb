#!/usr/bin/env bash
# SMTP relay load benchmark: Sovereignty (pass-through) and Postfix relaying the same load
# (Postfix's smtp-source) to the same smtp-sink, in the same run. Prints msg/s per case.
#   bench/smtp-relay/run.sh [MESSAGES_PER_CASE]
# The sign / encrypt / sign+encrypt cases come after the policy and S/MIME integration:
# add them as further RELAY configurations in the `cases` loop (same sink, same sizes).
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-400}
work=$(mktemp -d /tmp/sov-smtp-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; postfix stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# Postfix and its load tools (smtp-source, smtp-sink); only the benchmark needs them.
if ! command -v smtp-source >/dev/null; then
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix >/dev/null
fi

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
sink_port=$(free_port); postfix_port=$(free_port)

# The sink both relays deliver to.
/usr/sbin/smtp-sink -u nobody -c "127.0.0.1:$sink_port" 1000 >"$work/sink.log" 2>&1 &

# Sovereignty relay (Release build, standalone host).
dotnet build src/Proxy/Sovereignty.Proxy.csproj -c Release -nologo -v q >/dev/null
cat >"$work/relay.json" <<JSON
{ "Logging": { "LogLevel": { "Default": "Warning" } },
  "Sovereignty": { "Smtp": {
    "ServerName": "relay.bench", "ListenAddress": "127.0.0.1", "Port": 0,
    "SpoolDirectory": "$work/spool", "AllowedClientNetworks": [ "127.0.0.0/8" ],
    "Limits": { "MaxMessageSize": 10485760 },
    "Upstream": { "Host": "127.0.0.1", "Port": $sink_port, "Security": "None" },
    "Delivery": { "Workers": 8 } } } }
JSON
dotnet src/Proxy/bin/Release/net10.0/sovereignty.dll queue relay --config "$work/relay.json" >"$work/relay.out" 2>&1 &
for _ in $(seq 100); do grep -q "listening on" "$work/relay.out" 2>/dev/null && break; sleep 0.1; done
relay_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/relay.out")

# Postfix relaying to the same sink (FACTS.md recipe). The default instance is reconfigured:
# run this on a benchmark machine, not on a mail server.
postconf -e "relayhost=[127.0.0.1]:$sink_port" "mynetworks=127.0.0.0/8" "default_transport=smtp" \
  "relay_transport=smtp" "maillog_file=/var/log/postfix-bench.log" "maillog_file_prefixes=/var" \
  "inet_interfaces=loopback-only" "message_size_limit=10485760" "mydestination="
postconf -M "127.0.0.1:$postfix_port/inet=127.0.0.1:$postfix_port inet n - y - - smtpd"
/usr/lib/postfix/configure-instance.sh - >/dev/null 2>&1 || true
postfix stop >/dev/null 2>&1 || true
postfix start >/dev/null 2>&1 || { echo "postfix did not start: see /var/log/postfix-bench.log" >&2; postfix_port=""; }

rate() { # name port size sessions
  local start end
  start=$(date +%s.%N)
  /usr/sbin/smtp-source -l "$3" -m "$count" -s "$4" -f sender@bench.test -t rcpt@bench.test "127.0.0.1:$2"
  end=$(date +%s.%N)
  python3 -c "print('%-12s %8s %3s sessions  %8.0f msg/s accepted' % ('$1', '$3', $4, $count/($end-$start)))"
}

echo "messages per case: $count (accept rate at the relay's end of DATA; both relays deliver to one smtp-sink)"
for size in 20000 1000000; do
  for sessions in 1 16; do
    n=$count; [ "$size" -gt 100000 ] && count=$((n / 4))
    rate sovereignty "$relay_port" "$size" "$sessions"
    [ -n "$postfix_port" ] && rate postfix "$postfix_port" "$size" "$sessions"
    count=$n
  done
done
