#!/usr/bin/env bash
# Builds every module (kernels too, where nvcc is on PATH) and the classpath bin/specprefill uses.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -DskipTests package "$@"
echo "built: $(ls job/target/specprefill-job-*-app.jar)"
