#!/usr/bin/env bash
# ForwardBench: CPU prefill/decode speed on the niah models (a table for BENCHMARKS.md).
# Flags: --models DIR,DIR  --lengths 1024,2048  --decode 32  --reps 3  --data niah-2k.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -o -pl udf test-compile dependency:build-classpath -Dmdep.outputFile=target/udf-classpath.txt \
  -Dmdep.includeScope=test >/dev/null
exec java ${SPECPREFILL_JAVA_OPTS:--Xmx4g} -cp "udf/target/test-classes:udf/target/classes:$(cat udf/target/udf-classpath.txt)" \
  io.specprefill.udf.bench.ForwardBench "$@"
