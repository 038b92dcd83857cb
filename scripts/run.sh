#!/usr/bin/env bash
# Runs a complete local gateway from an empty .dev/ (ignored by git), in the foreground:
#   - the SoftHSM dev token (hsm-sim/bootstrap.sh) and the keys of every key class,
#   - Redis for the audit log (scripts/dev-redis.sh, 127.0.0.1:6391),
#   - nginx WebDAV as the "cloud" (scripts/dev-cloud.sh: stores in .dev/cloud/),
#   - dev S/MIME certificates for the HSM's keys (scripts/dev-pki.sh: .dev/pki/),
#   - a local stand-in for the cloud mailboxes (`sovereignty dev mailbox`: .dev/mailbox/, :2526),
#   - `sovereignty serve` on http://127.0.0.1:8080 (SOVEREIGNTY_DEV_PORT) and its SMTP relay on
#     127.0.0.1:2525 (SOVEREIGNTY_DEV_SMTP_PORT), with the sample policy from policies/ and the
#     dev token key from .dev/identity/.
# Ctrl-C stops serve, then whatever this run started (mailbox, nginx, and Redis if it was not running).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${SOVEREIGNTY_DEV_PORT:-8080}
redis_port=${SOVEREIGNTY_DEV_REDIS_PORT:-6391}
cloud_port=${SOVEREIGNTY_DEV_CLOUD_PORT:-8091}
smtp_port=${SOVEREIGNTY_DEV_SMTP_PORT:-2525}
mailbox_port=${SOVEREIGNTY_DEV_MAILBOX_PORT:-2526}

scripts/install-deps.sh
dotnet build src/Proxy/Sovereignty.Proxy.csproj --configuration Release -nologo -v quiet
sovereignty=src/Proxy/bin/Release/net10.0/sovereignty

started=()
cleanup() {
  for component in "${started[@]}"; do
    case $component in
      cloud) scripts/dev-cloud.sh stop ;;
      mailbox) kill "$mailbox" 2>/dev/null || true ;;
      redis) redis-cli -h 127.0.0.1 -p "$redis_port" shutdown >/dev/null 2>&1 && echo "run: stopped redis-server" >&2 ;;
    esac
  done
}
trap cleanup EXIT

eval "$(hsm-sim/bootstrap.sh)"
redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 || started+=(redis)
eval "$(scripts/dev-redis.sh)"   # the audit log (Redis) and its checkpoint key pair
[ -s .dev/cloud-nginx/nginx.pid ] && kill -0 "$(cat .dev/cloud-nginx/nginx.pid)" 2>/dev/null || started+=(cloud)
scripts/dev-cloud.sh

# The gateway's own settings: the sample policy's key classes (on the dev token), who signs
# callers' tokens (the `dev token` key), the three WebDAV stores as YARP clusters, and the SMTP
# relay with its S/MIME certificates, relaying to the local mailbox.
"$sovereignty" dev token --sub run.sh >/dev/null   # creates .dev/identity/dev-signing-key.pem once
mkdir -p .dev/gateway
cat >.dev/gateway/serve.json <<JSON
{
  "Sovereignty": {
    "Hsm": {
      "KeyClasses": {
        "10": { "Name": "interne-eu", "Provider": "softhsm-dev", "Residency": "EU" },
        "11": { "Name": "confidentiel-fr", "Provider": "softhsm-dev", "Residency": "FR" },
        "12": { "Name": "diffusion-restreinte-fr", "Provider": "softhsm-dev", "Residency": "FR" }
      }
    },
    "Identity": {
      "Issuer": "sovereignty-dev",
      "Audience": "sovereignty",
      "SigningKeyFiles": [ "$root/.dev/identity/dev-signing-key.pub.pem" ]
    },
    "Documents": { "PolicyDirectory": "$root/policies", "RetryAfterSeconds": 10 },
    "Smime": {
      "SigningCertificatePath": "$root/.dev/pki/org/signing.pem",
      "EscrowCertificatePath": "$root/.dev/pki/org/escrow.pem",
      "Certificates": {
        "Directory": "$root/.dev/pki/certs",
        "TrustAnchorFiles": [ "$root/.dev/pki/ca.pem" ],
        "CrlFiles": [ "$root/.dev/pki/ca.crl" ]
      }
    },
    "Smtp": {
      "ServerName": "sovereignty.local", "ListenAddress": "127.0.0.1", "Port": $smtp_port,
      "SpoolDirectory": "$root/.dev/spool", "AllowedClientNetworks": [ "127.0.0.0/8" ],
      "Upstream": { "Host": "127.0.0.1", "Port": $mailbox_port, "Security": "None" }
    },
    "Serve": { "ShutdownTimeout": "00:00:10" }
  },
  "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning", "Yarp": "Warning" } },
  "ReverseProxy": {
    "Routes": {
      "documents": {
        "ClusterId": "sharepoint-eu",
        "Match": { "Path": "/{**path}" },
        "Metadata": { "Sovereignty.Stores": "sharepoint-eu,sharepoint-fr,ged-souveraine-fr" }
      }
    },
    "Clusters": {
      "sharepoint-eu": {
        "Destinations": { "nginx": { "Address": "http://127.0.0.1:$cloud_port/" } },
        "Metadata": { "Sovereignty.Location": "EU" }
      },
      "sharepoint-fr": {
        "Destinations": { "nginx": { "Address": "http://127.0.0.1:$((cloud_port + 1))/" } },
        "Metadata": { "Sovereignty.Location": "FR" }
      },
      "ged-souveraine-fr": {
        "Destinations": { "nginx": { "Address": "http://127.0.0.1:$((cloud_port + 2))/" } },
        "Metadata": { "Sovereignty.Location": "FR" }
      }
    }
  }
}
JSON

# Keys: the first version of every key class and key pair (idempotent), then the list.
"$sovereignty" keys init --config .dev/gateway/serve.json
"$sovereignty" keys list --config .dev/gateway/serve.json

# S/MIME certificates for the HSM's keys, and the stand-in for the cloud mailboxes.
scripts/dev-pki.sh "$sovereignty" .dev/gateway/serve.json
"$sovereignty" dev mailbox --port "$mailbox_port" --directory .dev/mailbox &
mailbox=$!
started+=(mailbox)

"$sovereignty" serve --config .dev/gateway/serve.json --urls "http://127.0.0.1:$port" &
serve=$!
# Ctrl-C / SIGTERM: let serve finish its in-flight requests, then clean up (EXIT trap).
trap 'kill -TERM "$serve" 2>/dev/null || true' INT TERM

for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$serve" 2>/dev/null || break
  sleep 0.2
done
if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
  cat <<NEXT

The gateway is ready: documents on http://127.0.0.1:$port (the cloud stores write to
.dev/cloud/), mail on smtp://127.0.0.1:$smtp_port (the cloud mailbox writes to .dev/mailbox/).
In another terminal, from $root:

  sovereignty=$sovereignty
  TOKEN=\$("\$sovereignty" dev token --sub alice --groups collaborateurs-groupe)
  echo 'Compte rendu : rien de confidentiel.' >note.txt
  curl -sS -T note.txt -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$port/docs/note.txt
  curl -sS -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$port/docs/note.txt
  ls -R .dev/cloud; head -c 4 .dev/cloud/sharepoint-eu/docs/note.txt; echo

  swaks --server 127.0.0.1:$smtp_port --from agent@laposte.fr --to partenaire@partenaire.example \\
    --header 'Subject: [CONFIDENTIEL] Contrat' --body 'IBAN FR76 3000 6000 0112 3456 7890 189'
  ls .dev/mailbox    # the mailbox holds S/MIME ciphertext; the partner decrypts it:
  openssl cms -decrypt -in .dev/mailbox/<file>.eml -recip .dev/pki/certs/partenaire@partenaire.example.pem -inkey .dev/pki/partenaire.key

README.md ("A first document through the gateway") goes further. Ctrl-C here stops everything.
NEXT
else
  echo "run: serve did not become ready; see the messages above (and curl http://127.0.0.1:$port/readyz)" >&2
fi

status=0
wait "$serve" || status=$?
# A trapped signal interrupts the first wait; the second one waits for serve's graceful stop.
kill -0 "$serve" 2>/dev/null && { wait "$serve" || status=$?; }
exit "$status"
