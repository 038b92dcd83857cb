#!/usr/bin/env bash
# Runs the gateway locally on dev defaults. State lives in .dev/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
eval "$(hsm-sim/bootstrap.sh)"
eval "$(scripts/dev-redis.sh)"   # the audit log (Redis) and its checkpoint key
dotnet build src/Proxy/Sovereignty.Proxy.csproj --configuration Release -nologo -v quiet
sovereignty=src/Proxy/bin/Release/net10.0/sovereignty

# Keys: create the first version of every dev key class (idempotent), then show them.
"$sovereignty" keys init
"$sovereignty" keys list

# Envelope round trip: encrypt a sample file under a key class, show the header's start,
# decrypt it whole and by range, and check the result matches.
demo=.dev/envelope-demo
mkdir -p "$demo"
printf 'Sovereignty envelope demo, %s\nThe cloud stores only the ciphertext of this file.\n' "$(date -u +%FT%TZ)" >"$demo/sample.txt"
"$sovereignty" encrypt --class confidential-fr --context object=/demo/sample.txt --context label=confidential "$demo/sample.txt" "$demo/sample.txt.env"
echo "ciphertext ($(wc -c <"$demo/sample.txt.env") bytes for $(wc -c <"$demo/sample.txt") plaintext bytes), first 64 bytes:"
head -c 64 "$demo/sample.txt.env" | od -An -c | head -4
"$sovereignty" decrypt --context object=/demo/sample.txt --context label=confidential "$demo/sample.txt.env" "$demo/sample.decrypted.txt"
cmp "$demo/sample.txt" "$demo/sample.decrypted.txt" && echo "decrypted copy is identical:" && cat "$demo/sample.decrypted.txt"
echo "bytes 0-25 by range: $("$sovereignty" decrypt --range 0-25 "$demo/sample.txt.env" -)"
