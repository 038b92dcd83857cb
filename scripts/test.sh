#!/usr/bin/env bash
# Runs the whole test suite. Test fixtures start their own SoftHSM tokens, redis-server,
# nginx and SMTP servers on 127.0.0.1, free ports, in temp dirs; this script only makes
# sure the packages are installed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
dotnet test Sovereignty.sln --configuration Release "$@"
