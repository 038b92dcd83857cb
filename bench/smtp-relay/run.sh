#!/usr/bin/env bash
# SMTP relay benchmark: `sovereignty serve` (pass / sign / encrypt / sign+encrypt) beside Postfix
# relaying the same load to the same smtp-sink, in the same run, with the same load generator
# (bench/SmtpBench: times every end of DATA, "." to reply).
#
#   bench/smtp-relay/run.sh [MESSAGES_PER_CASE=600] [SESSIONS="1 16"] [SIZES="20k 1m"]
#
# Installs Postfix if missing and reconfigures the default instance as a relay to the sink:
# run it on a benchmark machine, not on a mail server. Everything else (SoftHSM token, Redis,
# PKI, policy, spool) lives in a temporary directory removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
count=${1:-600}
sessions_list=${2:-"1 16"}
sizes=${3:-"20k 1m"}
work=$(mktemp -d /tmp/sov-smtp-bench.XXXXXX)
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
  redis-cli -h 127.0.0.1 -p "${redis_port:-0}" shutdown nosave >/dev/null 2>&1 || true
  postfix stop >/dev/null 2>&1 || true
  kill $(jobs -p) 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v smtp-source >/dev/null; then
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix >/dev/null
fi

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
sink_port=$(free_port); postfix_port=$(free_port); smtp_port=$(free_port); redis_port=$(free_port)

dotnet build src/Proxy/Sovereignty.Proxy.csproj -c Release -nologo -v q >/dev/null
dotnet build bench/SmtpBench -c Release -nologo -v q >/dev/null
sovereignty="$root/src/Proxy/bin/Release/net10.0/sovereignty"
load="dotnet $root/bench/SmtpBench/bin/Release/net10.0/Sovereignty.Bench.Smtp.dll"

# The sink both relays deliver to.
/usr/sbin/smtp-sink -u nobody "127.0.0.1:$sink_port" 1000 >"$work/sink.log" 2>&1 &

# --- Sovereignty: SoftHSM token, Redis (audit log, appendfsync everysec as documented), keys.
export SOVEREIGNTY_HSM_TOKEN=bench
eval "$(hsm-sim/bootstrap.sh "$work/hsm" 2>/dev/null)"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync everysec \
  --save "" --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
export SOVEREIGNTY__AUDIT__REDIS="127.0.0.1:$redis_port" SOVEREIGNTY__AUDIT__NODEID=bench
export SOVEREIGNTY__HSM__KEYPAIRS__2__NAME=audit-checkpoints SOVEREIGNTY__HSM__KEYPAIRS__2__PROVIDER="$SOVEREIGNTY__HSM__KEYPAIRS__0__PROVIDER"
"$sovereignty" keys init >/dev/null

# --- PKI: a CA; the gateway's signing and escrow certificates from HSM-signed requests; one
# recipient certificate per protected domain (what the partners' directories would publish).
pki="$work/pki"; mkdir -p "$pki/certs" "$pki/org"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 2 \
  -subj "/CN=Bench CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
issue() { # csr out
  openssl x509 -req -in "$1" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -copy_extensions copy -extfile <(echo "basicConstraints=critical,CA:FALSE") -out "$2" 2>/dev/null
}
"$sovereignty" smime csr smime-signing --subject "CN=Bench gateway" --email gateway@laposte.fr --output "$pki/signing.csr" >/dev/null
"$sovereignty" smime csr smime-escrow --subject "CN=Bench escrow" --email escrow@laposte.fr --output "$pki/escrow.csr" >/dev/null
issue "$pki/signing.csr" "$pki/org/signing.pem"; cat "$pki/ca.pem" >>"$pki/org/signing.pem"
issue "$pki/escrow.csr" "$pki/org/escrow.pem"
for domain in encrypt.bench both.bench; do
  openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/rcpt@$domain.key" -out "$pki/rcpt@$domain.csr" \
    -subj "/CN=rcpt@$domain" -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    -addext "extendedKeyUsage=emailProtection" -addext "subjectAltName=email:rcpt@$domain" 2>/dev/null
  issue "$pki/rcpt@$domain.csr" "$pki/certs/rcpt@$domain.pem"
done
: >"$pki/index.txt"   # an empty CRL: no certificate is revoked
openssl ca -gencrl -keyfile "$pki/ca.key" -cert "$pki/ca.pem" -out "$pki/ca.crl" -crldays 2 \
  -config <(printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\ndefault_md=sha256\n' "$pki/index.txt") 2>/dev/null

# --- Policy: the recipient's domain selects the action.
mkdir -p "$work/policy"
cat >"$work/policy/policy.yaml" <<'YAML'
policy: { name: SMTP benchmark, mode: enforce, evaluation: highest-label, default-label: public }
organisation:
  name: Bench
  internal-domains: [laposte.fr]
  escrow-identity: escrow
  signing-identity: signing
  blocked-mail-contact: rssi@laposte.fr
  placeholder-subject: Message protégé
stores: [ { name: store-eu, residency: EU } ]
labels: [ { name: public }, { name: signe }, { name: chiffre }, { name: signe-chiffre } ]
rules:
  - { name: vers-sign, when: { recipient-domain: [sign.bench] }, label: signe }
  - { name: vers-encrypt, when: { recipient-domain: [encrypt.bench] }, label: chiffre }
  - { name: vers-both, when: { recipient-domain: [both.bench] }, label: signe-chiffre }
actions:
  mail:
    public: { action: pass }
    signe: { action: sign }
    chiffre: { action: encrypt, missing-certificate: refuse }
    signe-chiffre: { action: sign-encrypt, missing-certificate: refuse }
  document:
    public: { action: pass, stores: [store-eu] }
    signe: { action: pass, stores: [store-eu] }
    chiffre: { action: pass, stores: [store-eu] }
    signe-chiffre: { action: pass, stores: [store-eu] }
YAML

openssl genrsa -out "$work/idp.key" 2048 2>/dev/null; openssl rsa -in "$work/idp.key" -pubout -out "$work/idp.pub.pem" 2>/dev/null
cat >"$work/serve.json" <<JSON
{ "Logging": { "LogLevel": { "Default": "Warning" } },
  "Urls": "http://127.0.0.1:$(free_port)",
  "Sovereignty": {
    "Identity": { "Issuer": "bench", "Audience": "sovereignty", "SigningKeyFiles": [ "$work/idp.pub.pem" ] },
    "Documents": { "PolicyDirectory": "$work/policy" },
    "Smime": {
      "SigningCertificatePath": "$pki/org/signing.pem", "EscrowCertificatePath": "$pki/org/escrow.pem",
      "Certificates": { "Directory": "$pki/certs", "TrustAnchorFiles": [ "$pki/ca.pem" ], "CrlFiles": [ "$pki/ca.crl" ] } },
    "Smtp": {
      "ServerName": "relay.bench", "ListenAddress": "127.0.0.1", "Port": $smtp_port,
      "SpoolDirectory": "$work/spool", "AllowedClientNetworks": [ "127.0.0.0/8" ],
      "Limits": { "MaxMessageSize": 10485760 },
      "Upstream": { "Host": "127.0.0.1", "Port": $sink_port, "Security": "None" },
      "Delivery": { "Workers": 8 } } } }
JSON
"$sovereignty" serve --config "$work/serve.json" >"$work/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null && break; sleep 0.1; done
(exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null || { echo "serve did not start:" >&2; cat "$work/serve.out" >&2; exit 1; }

# --- Postfix relaying to the same sink (FACTS.md recipe).
postconf -e "relayhost=[127.0.0.1]:$sink_port" "mynetworks=127.0.0.0/8" "default_transport=smtp" \
  "relay_transport=smtp" "maillog_file=/var/log/postfix-bench.log" "maillog_file_prefixes=/var" \
  "inet_interfaces=loopback-only" "message_size_limit=10485760" "mydestination="
postconf -M "127.0.0.1:$postfix_port/inet=127.0.0.1:$postfix_port inet n - y - - smtpd"
/usr/lib/postfix/configure-instance.sh - >/dev/null 2>&1 || true
postfix stop >/dev/null 2>&1 || true
postfix start >/dev/null 2>&1 || { echo "postfix did not start: see /var/log/postfix-bench.log" >&2; exit 1; }

# Waits until both relays have handed everything accepted so far to the sink, so that one
# case's deliveries do not run during the next case.
drain() {
  for _ in $(seq 600); do
    if [ -z "$(find "$work/spool/queue" -type f -name '*.msg' 2>/dev/null | head -1)" ] && postqueue -p 2>/dev/null | grep -q "empty"; then return; fi
    sleep 0.2
  done
  echo "warning: queues not drained after 120 s" >&2
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; messages per case: $count (1 MB cases: a quarter)"
echo "case              size sessions    accepted   end of DATA latency"
for size in $sizes; do
  for sessions in $sessions_list; do
    n=$count; [ "$size" = 1m ] && n=$((count / 4))
    # Warm-up (JIT, connections, HSM sessions), not reported.
    $load "127.0.0.1:$smtp_port" "$size" 40 "$sessions" warmup --to rcpt@both.bench >/dev/null; drain
    $load "127.0.0.1:$postfix_port" "$size" "$n" "$sessions" postfix --to rcpt@pass.bench; drain
    $load "127.0.0.1:$smtp_port" "$size" "$n" "$sessions" pass --to rcpt@pass.bench; drain
    $load "127.0.0.1:$smtp_port" "$size" "$n" "$sessions" sign --to rcpt@sign.bench; drain
    $load "127.0.0.1:$smtp_port" "$size" "$n" "$sessions" encrypt --to rcpt@encrypt.bench; drain
    $load "127.0.0.1:$smtp_port" "$size" "$n" "$sessions" sign+encrypt --to rcpt@both.bench; drain
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
