#!/usr/bin/env bash
# Peak memory (max RSS from GNU time) of `sovereignty encrypt` and `sovereignty decrypt` on
# N MiB through standard input/output, against the dev token (scripts/run.sh creates it).
#   bench/envelope-cli-memory.sh [MiB ...]     (default: 256 2048)
# The envelope goes to a temp file, deleted at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(hsm-sim/bootstrap.sh 2>/dev/null)"
dotnet build src/Proxy/Sovereignty.Proxy.csproj --configuration Release -nologo -v quiet >/dev/null
sovereignty=src/Proxy/bin/Release/net10.0/sovereignty
"$sovereignty" keys init >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mib in "${@:-256 2048}"; do
  for size in $mib; do
    head -c "$((size * 1024 * 1024))" /dev/zero |
      /usr/bin/time -f "%M" -o "$tmp/enc.rss" "$sovereignty" encrypt --class confidential-fr - "$tmp/data.env" 2>/dev/null
    /usr/bin/time -f "%M" -o "$tmp/dec.rss" "$sovereignty" decrypt "$tmp/data.env" - 2>/dev/null | wc -c >"$tmp/count"
    printf '%6d MiB: encrypt max RSS %6.1f MiB, decrypt max RSS %6.1f MiB (envelope %d bytes, %d plaintext bytes back)\n' \
      "$size" "$(echo "$(cat "$tmp/enc.rss") / 1024" | bc -l)" "$(echo "$(cat "$tmp/dec.rss") / 1024" | bc -l)" \
      "$(stat -c %s "$tmp/data.env")" "$(cat "$tmp/count")"
    rm -f "$tmp/data.env"
  done
done
