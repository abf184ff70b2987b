#!/usr/bin/env bash
# The Spark job at real model shapes on one GPU: full prefill against speculative prefill, through
# `bin/specprefill run` itself (docs/evaluation.md, "Job benchmark at real shapes"). Two halves:
#
#   scripts/job-bench.sh pack DIR      here (Java, npm or fetched tokenizers, ../shared/data): writes
#                                      DIR/tokenizer/ (Llama 3.1's tokenizer.json, ~9 MiB) and
#                                      DIR/batch.jsonl.xz (64 LongBench-shaped prompts of 4K-32K tokens
#                                      of that tokenizer, max_new_tokens 32; ~80 KiB; COUNT=512 for
#                                      issue 15's dataset-scale batch). Carry DIR.
#   scripts/job-bench.sh run DEST OUT [flags]
#                                      there (after scripts/gpu-unpack.sh into DEST): makes the draft
#                                      and target with make-model (or reuses finished ones), then runs
#                                      the job once per configuration on the same batch, sampling
#                                      nvidia-smi every 200 ms, and prints the tables of bench-report
#                                      (also OUT/report.md; OUT/results/ holds what to bring back).
# run flags:
#   --inputs DIR        what `pack` wrote (default: dist/bench under this repository)
#   --models DIR        where the models are made or found (default OUT/models); a model directory
#                       is reused only when make-model finished it (its .specprefill-make-model.json)
#   --draft-shape S     make-model shape of the draft  (default llama-3.2-1b)
#   --target-shape S    make-model shape of the target (default llama-3.1-8b)
#   --keeps "0.1 0.3"   keep rates run after the full-prefill baseline (--draft none)
#   --config FILE       the job config of every run (default configs/bench-8b.yaml)
#   --full-batch N      target_batch_size of the full-prefill run (default 4: see the config's comments)
#   --set KEY=VALUE     one more job setting for every run (repeatable), e.g. --set backend=cpu
#   --steps "models runs report"   a subset, e.g. "models" in one call and "runs report" in the next
#   --run-timeout S     stop a run after S seconds (default 170; its row in the tables says EXIT 124)
# env: SPECPREFILL_JAVA_OPTS (default "-Xmx32g -Dspark.sql.shuffle.partitions=8", the shuffle width of
#      configs/spark-local.properties), GPU (nvidia-smi index to sample, default 0).
#
# Time on one H200 (16 cores, 2026-11-30, BENCHMARKS.md): make-model 1B + 8B (18.5 GB) 12 s; the runs
# 64-69 s (full), 35-36 s (keep 0.1), 42-48 s (keep 0.3); about 2.5 min in all.
set -uo pipefail
mode=${1:?usage: job-bench.sh pack DIR | run DEST OUT [flags] (see the header)}
repo=$(cd "$(dirname "$0")/.." && pwd)

if [[ $mode == pack ]]; then
  set -e
  dir=$(mkdir -p "${2:?usage: job-bench.sh pack DIR}" && cd "$2" && pwd)
  data=${DATA_DIR:-$repo/../shared/data}/longbench
  [[ -d $data ]] || { echo "job-bench pack: no LongBench data at $data (set DATA_DIR to the folder holding longbench/)" >&2; exit 2; }
  tok=$repo/udf/target/real-tokenizers/llama3_1
  [[ -f $tok/tokenizer.json ]] || "$repo/scripts/fetch-tokenizers.sh" "$repo/udf/target/real-tokenizers" llama3_1
  mkdir -p "$dir/tokenizer"
  cp "$tok/tokenizer.json" "$tok/tokenizer_config.json" "$dir/tokenizer/"
  "$repo/bin/specprefill" make-batch --data "$data" --tokenizer "$dir/tokenizer" --count "${COUNT:-64}" --min-tokens 4096 \
    --max-tokens 32768 --max-new-tokens 32 --seed 0 --out "$dir/batch.jsonl"
  xz -f -T0 "$dir/batch.jsonl"
  git -C "$repo" rev-parse --short HEAD > "$dir/GIT" 2>/dev/null || true
  du -sh "$dir"; ls -la "$dir" "$dir/tokenizer"
  exit 0
fi
[[ $mode == run ]] || { echo "job-bench: unknown mode '$mode' (pack or run)" >&2; exit 2; }

dest=$(cd "${2:?usage: job-bench.sh run DEST OUT}" && pwd); out=$(mkdir -p "${3:?usage: job-bench.sh run DEST OUT}" && cd "$3" && pwd); shift 3
inputs=$repo/dist/bench; models=""; draft_shape=llama-3.2-1b; target_shape=llama-3.1-8b; keeps="0.1 0.3"
config=$repo/configs/bench-8b.yaml; full_batch=4; sets=(); steps="models runs report"; run_timeout=170
while [[ $# -gt 0 ]]; do
  case "$1" in
    --inputs) inputs=$2; shift 2;;
    --models) models=$2; shift 2;;
    --draft-shape) draft_shape=$2; shift 2;;
    --target-shape) target_shape=$2; shift 2;;
    --keeps) keeps=$2; shift 2;;
    --config) config=$2; shift 2;;
    --full-batch) full_batch=$2; shift 2;;
    --set) sets+=(--set "$2"); shift 2;;
    --steps) steps=$2; shift 2;;
    --run-timeout) run_timeout=$2; shift 2;;
    *) echo "job-bench: unknown flag '$1' (see the header of $0)" >&2; exit 2;;
  esac
done
models=${models:-$out/models}; mkdir -p "$models"
sp=$dest/bin/specprefill
[[ -x $sp ]] || { echo "job-bench: $sp not found: unpack the bundle first (scripts/gpu-unpack.sh DIR $dest)" >&2; exit 2; }
export SPECPREFILL_HOME=$repo SPECPREFILL_JAVA_OPTS=${SPECPREFILL_JAVA_OPTS:--Xmx32g -Dspark.sql.shuffle.partitions=8}
draft=$models/$draft_shape; target=$models/$target_shape
batch=$out/batch.jsonl
has() { [[ " $steps " == *" $1 "* ]]; }
say() { echo "== $(date +%H:%M:%S) $*"; }

# The header BENCHMARKS.md wants: card, driver, date, commit, command.
{
  echo "# $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader -i "${GPU:-0}" 2>/dev/null || echo 'no nvidia-smi')"
  echo "# $(nproc) cores, $(free -g 2>/dev/null | awk '/Mem:/ {print $2 " GiB memory"}'), java: $("$dest/jre/bin/java" -version 2>&1 | head -1)"
  echo "# date $(date -u +%Y-%m-%dT%H:%MZ), git $(cat "$dest/GIT" 2>/dev/null || git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?') (the jars; batch packed at $(cat "$inputs/GIT" 2>/dev/null || echo '?'))"
  echo "# command: scripts/job-bench.sh run DEST OUT --keeps \"$keeps\" --config ${config#"$repo"/} --full-batch $full_batch ${sets[*]:-}; SPECPREFILL_JAVA_OPTS=$SPECPREFILL_JAVA_OPTS"
  echo "# draft $draft_shape, target $target_shape (make-model, random BF16 weights), batch $(basename "$batch")"
} | tee "$out/header.txt"

if has models; then
  tok=$inputs/tokenizer/tokenizer.json
  [[ -f $tok ]] || tok=$repo/udf/target/real-tokenizers/llama3_1/tokenizer.json
  [[ -f $tok ]] || { echo "job-bench: no tokenizer.json in $inputs/tokenizer (run 'scripts/job-bench.sh pack DIR' here and carry DIR)" >&2; exit 2; }
  for m in "$draft_shape:$draft" "$target_shape:$target"; do
    shape=${m%%:*}; dir=${m#*:}
    if [[ -f $dir/.specprefill-make-model.json ]]; then say "model $shape: reusing $dir"; continue; fi
    say "make-model $shape -> $dir"
    t0=$(date +%s.%N)
    "$sp" make-model --shape "$shape" --tokenizer "$tok" --out "$dir" --seed 1 --force > "$out/make-$shape.log" 2>&1
    rc=$?; tail -n 2 "$out/make-$shape.log"
    [[ $rc == 0 ]] || { echo "job-bench: make-model $shape failed (exit $rc), see $out/make-$shape.log" >&2; exit 1; }
    say "make-model $shape: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f s", b - a}')"
  done
  df -h "$models" | tail -1
fi

if has runs; then
  if [[ ! -f $batch ]]; then
    if [[ -f $inputs/batch.jsonl.xz ]]; then xz -dc "$inputs/batch.jsonl.xz" > "$batch"
    elif [[ -f $inputs/batch.jsonl ]]; then cp "$inputs/batch.jsonl" "$batch"
    else echo "job-bench: no batch in $inputs (run 'scripts/job-bench.sh pack DIR' here and carry DIR)" >&2; exit 2; fi
  fi
  echo "batch: $(wc -l < "$batch") prompts, $(du -h "$batch" | cut -f1)"
  [[ -f $target/.specprefill-make-model.json ]] || { echo "job-bench: no finished target model in $target (step models)" >&2; exit 2; }
  runs=(full)
  for k in $keeps; do runs+=("keep-$k"); done
  for name in "${runs[@]}"; do
    dir=$out/runs/$name; rm -rf "$dir"; mkdir -p "$dir"
    if [[ $name == full ]]; then
      args=(--draft none --set keep=1.0 --set target_batch_size="$full_batch")
    else
      args=(--draft "$draft" --set keep="${name#keep-}")
    fi
    cmd=("$sp" run --input "$batch" --target "$target" --config "$config" --output "$dir/out" --output-format jsonl
         "${args[@]}" ${sets[@]+"${sets[@]}"})
    say "run $name: ${cmd[*]#"$dest"/}"
    sampler=""
    if command -v nvidia-smi >/dev/null 2>&1; then
      nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 200 \
        -i "${GPU:-0}" > "$dir/gpu.csv" 2>/dev/null &
      sampler=$!
    fi
    t0=$(date +%s.%N)
    timeout --kill-after=15 "$run_timeout" "${cmd[@]}" > "$dir/job.log" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    if [[ -n $sampler ]]; then kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; fi
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    printf '{"name": "%s", "wall_s": %s, "exit": %d}\n' "$name" "$wall" "$rc" > "$dir/run.json"
    grep -E "loaded |stage [12] partition .*done|checkpoint |ERROR|Exception" "$dir/job.log" | tail -n 12
    say "run $name: exit $rc after $wall s"
  done
fi

if has report; then
  run_dirs=("$out/runs/full")
  for k in $keeps; do run_dirs+=("$out/runs/keep-$k"); done
  say "report"
  "$sp" bench-report --runs "${run_dirs[@]}" --batch "$batch" --tokenizer "$target" --out "$out/tables.txt" \
    > "$out/report.log" 2>&1
  rc=$?
  cat "$out/report.log"
  { cat "$out/header.txt"; echo; cat "$out/tables.txt" 2>/dev/null; } > "$out/report.md"
  # What to bring back (a few MiB): the report and each run's rows, summary, log and GPU samples.
  rm -rf "$out/results"; mkdir -p "$out/results"; cp "$out/report.md" "$out"/make-*.log "$out/results/" 2>/dev/null
  for d in "${run_dirs[@]}"; do
    r=$out/results/$(basename "$d"); mkdir -p "$r"
    cp "$d"/run.json "$d"/job.log "$d"/gpu.csv "$d"/out/summary.json "$d"/out/*.jsonl "$r/" 2>/dev/null
  done
  echo "results: $out/results ($(du -sh "$out/results" | cut -f1))"
  [[ $rc == 0 ]] || exit 1
fi
