#!/usr/bin/env bash
# On a GPU box without Java or network, after scripts/gpu-unpack.sh: checks and measures the
# product there, logging each step to OUT/<step>.log.  Usage: gpu-check.sh DEST OUT STEP...
#   tests       every GPU test (io.specprefill.cuda: kernels vs CPU twins, golden suite, forward)
#               through JUnit's console launcher (bundle made with --tests)
#   generate    bin/specprefill generate --backend cuda on the shipped niah target
#   eval-niah   needle accuracy per keep rate and look-ahead on DATA_DIR/niah-*.jsonl (env DATA_DIR)
#   job         the Spark job end to end with backend cuda: the embedded default (keep 1.0 vs 0.1)
#               and, when DATA_DIR is set, niah-1k.jsonl through configs/p10-lah8.yaml
set -uo pipefail
dest=$(cd "$1" && pwd); out=$2; shift 2
mkdir -p "$out"
repo=$(cd "$(dirname "$0")/.." && pwd)
sp="$dest/bin/specprefill"
export SPECPREFILL_HOME="$repo" SPECPREFILL_JAVA_OPTS="-Xmx32g"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
status=0
step() { # name, command...: runs it, keeps its log, remembers a failure
  local name=$1; shift
  echo "== $name"
  local t0=$SECONDS
  "$@" > "$out/$name.log" 2>&1; local rc=$?
  tail -n 25 "$out/$name.log"
  echo "== $name: exit $rc after $((SECONDS - t0)) s"
  [[ $rc == 0 ]] || status=1
}
for what in "$@"; do
  case "$what" in
    tests)
      cp=$(ls -d "$dest"/lib/*.jar "$dest"/tests/*-test-classes | tr '\n' ':')   # the launcher expands no wildcards
      step tests "$dest/jre/bin/java" -Xmx32g -jar "$dest"/tests/junit-platform-console-standalone-*.jar execute \
        -cp "$cp" --select-package io.specprefill.cuda --details=summary --disable-banner;;
    generate) # the first needle row's prompt (python3 only to pull one JSON field on the box)
      prompt=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["prompt"])' \
        "${DATA_DIR:-}/niah-1k.jsonl" 2>/dev/null || echo "Some special magic numbers are hidden within the following text.")
      step generate "$sp" generate --backend cuda --model "$repo/models/niah-target" --json --max-new-tokens 12 \
        --prompt "$prompt";;
    eval-niah)
      step eval-niah "$sp" eval-niah --backend cuda --explain --out "$out/eval-niah.md" \
        --data "$DATA_DIR/niah-1k.jsonl" "$DATA_DIR/niah-2k.jsonl";;
    job)
      step job-embedded "$sp" run --output "$out/embedded" --set backend=cuda
      if [[ -n ${DATA_DIR:-} ]]; then
        step job-niah1k "$sp" run --input "$DATA_DIR/niah-1k.jsonl" --draft "$repo/models/niah-draft" \
          --target "$repo/models/niah-target" --config "$repo/configs/p10-lah8.yaml" --set backend=cuda \
          --set max_new_tokens=12 --output "$out/niah1k-p10" --output-format jsonl
      fi;;
    *) echo "gpu-check: unknown step '$what'" >&2; status=2;;
  esac
done
exit $status
