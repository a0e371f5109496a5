#!/usr/bin/env bash
# Sets up, builds the release preset and starts sts-server (port 8000; PORT overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec build/release/src/app/sts-server "$@"
