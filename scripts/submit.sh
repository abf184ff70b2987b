#!/usr/bin/env bash
# spark-submit the job with a properties file from configs/:
#   scripts/submit.sh configs/spark-gpu-cluster.properties --input ... --target ... --output ... [job flags]
# Extra spark-submit options (master, deploy mode, ...) come from SPARK_SUBMIT_ARGS, e.g.
#   SPARK_SUBMIT_ARGS="--master spark://head:7077" scripts/submit.sh configs/spark-gpu-cluster.properties ...
# SPARK_SUBMIT names the spark-submit to use (default: spark-submit on PATH). Build first: scripts/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 1 || ! -f "$1" ]]; then
  echo "usage: scripts/submit.sh PROPERTIES_FILE JOB_FLAGS...   (PROPERTIES_FILE: configs/spark-*.properties)" >&2
  exit 2
fi
props="$1"; shift
jar=$(ls "$here"/job/target/specprefill-job-*-app.jar 2>/dev/null | head -1 || true)
if [[ -z "$jar" ]]; then
  echo "scripts/submit.sh: no application jar under $here/job/target; run scripts/build.sh first" >&2
  exit 2
fi
files=()
if grep -q '^spark.executor.resource.gpu.discoveryScript' "$props"; then
  files=(--files "$here/scripts/getGpusResources.sh")   # the properties name it as ./getGpusResources.sh
fi
# shellcheck disable=SC2086
exec "${SPARK_SUBMIT:-spark-submit}" ${SPARK_SUBMIT_ARGS:-} --properties-file "$props" "${files[@]}" \
  --class io.specprefill.job.Main "$jar" "$@"
