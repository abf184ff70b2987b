#!/usr/bin/env bash
# The test command (README): every module's tests. GPU tests report "skipped" without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp verify "$@"
