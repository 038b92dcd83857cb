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
