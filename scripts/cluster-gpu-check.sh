#!/usr/bin/env bash
# On a GPU box with two or more GPUs, no Java, no network: runs the job on a real Spark standalone
# cluster with Spark's GPU scheduling (one Worker per GPU), then the same input on fewer GPUs, and
# prints a table.
#
#   scripts/cluster-gpu-check.sh DEST OUT
#     DEST  an unpacked bundle: scripts/gpu-bundle.sh --spark (jre, app, spark-1..5), then
#           scripts/gpu-unpack.sh BUNDLE_DIR DEST. Nothing else is needed: no --tests, no --models
#           (models/ and configs/ come from this checkout).
#     OUT   logs, nvidia-smi samples, outputs and table.md
#   env:
#     DATA_DIR         the needle rows: DATA_DIR/niah-1k.jsonl or DATA_DIR/niah/niah-1k.jsonl (unset:
#                      shared/data/niah/ in this checkout or beside it)
#     INPUT            another rows file instead (JSONL, id first)
#     REPEAT (4)       copies of the rows file make the batch (ids suffixed -r1, -r2, ...): 60 niah
#                      rows become 240; REPEAT=1 uses the file as it is
#     REAL_DRAFT, REAL_TARGET, REAL_INPUT   optional: a second batch (e.g. random weights of real
#                      shapes), run the same ways after the niah batch
#     REAL_KEEPS       e.g. "none 0.1 0.3 0.5": that batch once per keep rate (none: full prefill, no
#                      draft), each on every GPU count (issue 15's runs); unset: the config's keep only
#     MAX_WORKERS (all GPUs)   Workers to start, one GPU each
#     GPU_COUNTS ("W 1", W = the workers)   the GPU counts each run is made on, e.g. "8 2 1"
#     PARTITIONS (8), MAX_NEW_TOKENS (12), CONFIG (configs/p10-lah8.yaml), TIMEOUT per run (240 s:
#                      the lent machine allows 600 s a call)
#     SUBMIT_CONF      more spark-submit settings, KEY=VALUE separated by spaces, e.g.
#                      "spark.task.resource.gpu.amount=0.5 spark.task.cpus=2" (two tasks per GPU)
#     SKIP_NIAH=1      only the real-shape batch
#     BACKEND (cuda): cpu only to rehearse this script on a machine without a GPU (with a stand-in
#                      nvidia-smi on PATH)
#
# What it does: a Master and two Workers on 127.0.0.1, each its own JVM from DEST's jars; Worker i
# offers GPU i (spark.worker.resource.gpu.amount=1, a discovery script that prints address i). The
# job goes in as docs/job.md says for a GPU cluster: spark-submit --properties-file
# configs/spark-gpu-cluster.properties (spark.executor.resource.gpu.amount=1,
# spark.task.resource.gpu.amount=1), --set backend=cuda. Each task logs the GPU it took and the rule
# that chose it ("GPU 1 from Spark's resource scheduling"). nvidia-smi samples every 500 ms go to
# OUT/smi-<run>.csv. Then the same input with spark.cores.max = one executor's cores: one GPU.
# Every JVM it starts is killed on exit (each runs in its own process group).
set -uo pipefail
if [[ $# -ne 2 ]]; then sed -n "2,/^set -uo/p" "$0" | sed "$ d"; exit 2; fi
dest=$(cd "$1" 2>/dev/null && pwd) || { echo "cluster-gpu-check: no folder $1 (the unpacked bundle)" >&2; exit 2; }
out=$2; mkdir -p "$out"; out=$(cd "$out" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
java=$dest/jre/bin/java
partitions=${PARTITIONS:-8}; max_new=${MAX_NEW_TOKENS:-12}; config=${CONFIG:-$repo/configs/p10-lah8.yaml}
timeout_s=${TIMEOUT:-240}; repeat=${REPEAT:-4}; backend=${BACKEND:-cuda}
submit_conf=(); for c in ${SUBMIT_CONF:-}; do submit_conf+=(--conf "$c"); done
say() { echo "cluster-gpu-check: $*"; }
die() { echo "cluster-gpu-check: $*" >&2; exit 1; }

# 1. What the run needs, checked before anything starts.
[[ -x $java ]] || die "no $java: unpack the bundle first (scripts/gpu-unpack.sh BUNDLE_DIR $1)"
"$java" --list-modules 2>/dev/null | grep -q '^jdk.incubator.vector' || die "$java lacks the module \
jdk.incubator.vector, which Spark starts every executor with: rebuild jre.tar.xz with this checkout's scripts/gpu-bundle.sh"
ls "$dest"/lib/spark-core_*.jar >/dev/null 2>&1 || die "no Spark jars in $dest/lib: the bundle needs --spark (spark-*.tar.xz)"
job_jar=$(ls "$dest"/lib/specprefill-job-*.jar 2>/dev/null | grep -v -- -app.jar | head -1)
[[ -n $job_jar ]] || die "no specprefill-job jar in $dest/lib: unpack specprefill.tar.xz"
command -v nvidia-smi >/dev/null || die "no nvidia-smi: this is not a GPU box"
gpus=$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)
(( gpus >= 1 )) || die "nvidia-smi lists no GPU"
workers=$(( ${MAX_WORKERS:-$gpus} < gpus ? ${MAX_WORKERS:-$gpus} : gpus ))
(( workers >= 1 )) || die "MAX_WORKERS=${MAX_WORKERS:-} leaves no worker"
(( workers >= 2 )) || say "only $workers GPU: one worker, so no multi-GPU run (the table shows one GPU only)"
# The GPU counts each batch runs on, largest first (default: all the workers' GPUs, then one).
read -r -a gpu_counts <<< "${GPU_COUNTS:-$( (( workers > 1 )) && echo "$workers 1" || echo 1)}"
for c in "${gpu_counts[@]}"; do (( c >= 1 && c <= workers )) || die "GPU_COUNTS: $c is not between 1 and $workers workers"; done
read -r -a real_keeps <<< "${REAL_KEEPS:-}"
for m in niah-draft niah-target; do [[ -f $repo/models/$m/config.json ]] || die "no $repo/models/$m"; done
if [[ -z ${INPUT:-} ]]; then
  for f in "${DATA_DIR:-/nonexistent}/niah-1k.jsonl" "${DATA_DIR:-/nonexistent}/niah/niah-1k.jsonl" \
      "$repo/shared/data/niah/niah-1k.jsonl" "$repo/../shared/data/niah/niah-1k.jsonl"; do
    [[ -f $f ]] && INPUT=$f && break
  done
fi
[[ -n ${INPUT:-} && -f $INPUT ]] || die "no needle rows: set DATA_DIR (holding niah-1k.jsonl or niah/niah-1k.jsonl) or INPUT=FILE"
rows=$out/rows.jsonl
if (( repeat > 1 )) && head -c 8 "$INPUT" | grep -q '^{"id": "'; then
  : > "$rows"
  for k in $(seq 1 "$repeat"); do sed "s/^{\"id\": \"\([^\"]*\)\"/{\"id\": \"\1-r$k\"/" "$INPUT" >> "$rows"; done
else
  cp "$INPUT" "$rows"; repeat=1
fi
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader | tee "$out/gpus.txt"
say "$(wc -l < "$rows") rows ($INPUT x $repeat), $partitions partitions, config $config, max_new_tokens $max_new"

# 2. SPARK_HOME: the bundle's jars (Spark's and ours), as an installation holds them.
home=$out/spark-home; mkdir -p "$home"; ln -sfn "$dest/lib" "$home/jars"
export SPARK_HOME=$home SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_DIRS=$out/local
mkdir -p "$SPARK_LOCAL_DIRS"
opens=(-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false
  -Dio.netty.tryReflectionSetAccessible=true)
groups=()
cleanup() {
  for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  sleep 2
  for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
spark_java() { # log, heap, main class, args...: a JVM on SPARK_HOME's jars in a process group of its own
  local log=$1 heap=$2; shift 2
  setsid "$java" "-Xmx$heap" "${opens[@]}" -cp "$SPARK_HOME/jars/*" "$@" > "$log" 2>&1 &
  groups+=($!)
}
await_log() { # file, pattern, what, seconds
  local t=0
  until grep -q "$2" "$1" 2>/dev/null; do
    (( t++ >= $4 )) && { tail -n 30 "$1"; die "no $3 after $4 s (log $1)"; }
    sleep 1
  done
}

# 3. The cluster: a Master, then one Worker per GPU (MAX_WORKERS at most), each offering its own GPU.
rm -rf "$out"/worker-* "$SPARK_LOCAL_DIRS"/*   # a rerun into the same OUT starts clean
printf 'spark.master.rest.enabled false\n' > "$out/master.conf"
spark_java "$out/master.log" 1g org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 \
  --webui-port 0 --properties-file "$out/master.conf"
await_log "$out/master.log" "Starting Spark master at" "master" 60
master=$(grep -o 'spark://[0-9.]*:[0-9]*' "$out/master.log" | head -1)
cat > "$out/gpu-discovery.sh" <<'EOF'
#!/usr/bin/env bash
# Discovery script of one Worker: the GPU it offers is SPECPREFILL_WORKER_GPU (a CUDA ordinal).
echo "{\"name\": \"gpu\", \"addresses\": [\"$SPECPREFILL_WORKER_GPU\"]}"
EOF
chmod +x "$out/gpu-discovery.sh"
cores=$(( $(nproc) / workers )); (( cores >= 4 )) || cores=4
for i in $(seq 0 $((workers - 1))); do
  printf 'spark.worker.resource.gpu.amount 1\nspark.worker.resource.gpu.discoveryScript %s\n' \
    "$out/gpu-discovery.sh" > "$out/worker-$i.conf"
  export SPECPREFILL_WORKER_GPU=$i
  spark_java "$out/worker-$i.log" 1g org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --port 0 --webui-port 0 --cores "$cores" --memory 40g --work-dir "$out/worker-$i" \
    --properties-file "$out/worker-$i.conf" "$master"
done
for i in $(seq 0 $((workers - 1))); do await_log "$out/worker-$i.log" "Successfully registered with master" "worker $i" 90; done
say "cluster up: $master, $workers workers ($cores cores, GPU i on worker i)"

# 4. One run: spark-submit as docs/job.md gives it, nvidia-smi sampled meanwhile; a table row.
table=$out/table.md
printf '| run | GPUs | rows | errors | wall s | stage 1 s | stage 2 s | rows/s | tasks per GPU address (executor logs) | GPU busy share (util > 0) | mean util %% | max MiB |\n' > "$table"
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |\n' >> "$table"
run() { # name, executors (cores.max / 4), input, draft (or none), target, more job flags...
  local name=$1 n=$2 input=$3 draft=$4 target=$5; shift 5
  local o=$out/$name; rm -rf "$o"
  nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 > "$out/smi-$name.csv" &
  local smi=$!
  local t0; t0=$(date +%s%N)
  say "$name: spark-submit on $n GPU(s) ..."
  spark_java "$out/$name.log" 8g org.apache.spark.deploy.SparkSubmit \
    --master "$master" --properties-file "$repo/configs/spark-gpu-cluster.properties" \
    --files "$repo/scripts/getGpusResources.sh" --conf spark.cores.max=$((4 * n)) --conf spark.ui.enabled=false \
    --conf spark.driver.host=127.0.0.1 ${submit_conf[@]+"${submit_conf[@]}"} --class io.specprefill.job.Main "$job_jar" \
    --input "$input" --draft "$draft" --target "$target" --config "$config" --output "$o" --output-format jsonl \
    --set backend="$backend" --set partitions="$partitions" --set max_new_tokens="$max_new" "$@"
  local driver=$! rc waited=0 lost=0
  while kill -0 "$driver" 2>/dev/null && (( waited < timeout_s && lost < 6 )); do
    sleep 1; waited=$((waited + 1))
    lost=$(grep -c "is now EXITED\|is now FAILED" "$out/$name.log")   # executors that died (e.g. at start)
  done
  if kill -0 "$driver" 2>/dev/null; then kill -KILL -- "-$driver" 2>/dev/null; fi
  wait "$driver"; rc=$?
  (( waited >= timeout_s )) && rc=124
  if (( lost >= 6 )); then
    rc=125
    say "$name: executors keep exiting; the last one's stderr:"
    tail -n 15 "$(ls -t "$out"/worker-*/app-*/*/stderr | head -1)"
  fi
  local wall; wall=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
  kill "$smi" 2>/dev/null; wait "$smi" 2>/dev/null
  local app; app=$(grep -o 'app ID app-[0-9-]*' "$out/$name.log" | head -1 | cut -d' ' -f3)
  if [[ $rc != 0 || ! -f $o/summary.json ]]; then
    say "$name: FAILED (exit $rc; 124: timeout $timeout_s s; 125: executors keep exiting); last lines of $out/$name.log:"; tail -n 40 "$out/$name.log"
    printf '| %s | %s | - | - | %s | - | - | - | failed: exit %s, see %s.log | | | |\n' "$name" "$n" "$wall" "$rc" "$name" >> "$table"
    status=1; return
  fi
  num() { sed -n "s/^ *\"$1\" : \([0-9.]*\).*/\1/p" "$o/summary.json" | head -1; }
  local r e s1 s2; r=$(num rows); e=$(num errors); s1=$(num stage1_s); s2=$(num stage2_s)
  local tasks; tasks=$(cat "$out"/worker-*/"$app"/*/stderr 2>/dev/null \
    | grep -o "stage [12] partition [0-9]*/[0-9]*: .*gpu address \"[0-9]*\"" \
    | sed 's/.*gpu address "\([0-9]*\)"/\1/' | sort | uniq -c | awk '{printf "%sGPU %s: %s", (NR>1?", ":""), $2, $1}')
  local busy; busy=$(awk -F', *' '{n[$1]++; if ($2 > 0) b[$1]++; u[$1]+=$2; if ($3 > m[$1]) m[$1]=$3}
    END {for (g in n) printf "%s|GPU %s: %.0f%%|GPU %s: %.0f|GPU %s: %d\n", g, g, 100*b[g]/n[g], g, u[g]/n[g], g, m[g]}' \
    "$out/smi-$name.csv" | sort -n | cut -d'|' -f2-)
  printf '| %s | %s | %s | %s | %s | %.1f | %.1f | %.1f | %s | %s | %s | %s |\n' "$name" "$n" "$r" "$e" "$wall" "$s1" "$s2" \
    "$(awk -v r="$r" -v w="$wall" 'BEGIN {print r / w}')" "${tasks:-none logged}" "$(cut -d'|' -f1 <<<"$busy" | paste -sd, -)" \
    "$(cut -d'|' -f2 <<<"$busy" | paste -sd, -)" "$(cut -d'|' -f3 <<<"$busy" | paste -sd, -)" >> "$table"
  WALL[$name]=$wall; S1[$name]=$s1; S2[$name]=$s2
  say "$name: exit 0 in $wall s, $r rows, $e errors"
}

status=0
declare -A WALL S1 S2
speedup() { # batch: each GPU count against one, from the runs that finished
  local b=$1-1gpu c
  for c in "${gpu_counts[@]}"; do
    local a=$1-${c}gpu
    (( c > 1 )) && [[ -n ${WALL[$a]:-} && -n ${WALL[$b]:-} ]] || continue
    awk -v batch="$1" -v c="$c" -v w2="${WALL[$a]}" -v w1="${WALL[$b]}" -v a2="${S1[$a]}" -v a1="${S1[$b]}" -v b2="${S2[$a]}" -v b1="${S2[$b]}" \
      'BEGIN {printf "cluster-gpu-check: %s, %d GPUs against 1: wall %.2fx, stage 1 %.2fx, stage 2 %.2fx (time on 1 GPU / time on %d)\n",
              batch, c, w1 / w2, a1 / a2, b1 / b2, c}'
  done
}
batches=()
if [[ ${SKIP_NIAH:-0} == 1 ]]; then
  say "SKIP_NIAH=1: the niah batch is skipped"
else
  for c in "${gpu_counts[@]}"; do run "niah-${c}gpu" "$c" "$rows" "$repo/models/niah-draft" "$repo/models/niah-target"; done
  batches+=(niah)
fi
if [[ -n ${REAL_DRAFT:-} && -n ${REAL_TARGET:-} && -n ${REAL_INPUT:-} ]]; then
  if (( ${#real_keeps[@]} == 0 )); then
    for c in "${gpu_counts[@]}"; do run "real-${c}gpu" "$c" "$REAL_INPUT" "$REAL_DRAFT" "$REAL_TARGET"; done
    batches+=(real)
  else
    for k in "${real_keeps[@]}"; do   # none: full prefill (no draft); else --set keep=K
      for c in "${gpu_counts[@]}"; do
        # Full prefill keeps every token: target batches of 4, as job-bench.sh runs it (configs/bench-8b.yaml).
        if [[ $k == none ]]; then run "real-full-${c}gpu" "$c" "$REAL_INPUT" none "$REAL_TARGET" --set keep=1.0 --set target_batch_size=4
        else run "real-keep$k-${c}gpu" "$c" "$REAL_INPUT" "$REAL_DRAFT" "$REAL_TARGET" --set keep="$k"; fi
      done
      if [[ $k == none ]]; then batches+=(real-full); else batches+=("real-keep$k"); fi
    done
  fi
else
  say "no REAL_DRAFT/REAL_TARGET/REAL_INPUT: the real-shape batch is skipped"
fi

# 5. The table, and which rule each task's GPU came from (executor logs).
echo
cat "$table"
echo
for b in "${batches[@]}"; do speedup "$b"; done
say "device lines of the executors (first 8):"
grep -h "partition [0-9]*/[0-9]*: GPU\|partition [0-9]*/[0-9]*: no GPU" "$out"/worker-*/app-*/*/stderr 2>/dev/null \
  | sed 's/^.*INFO StagePartition: //' | head -n 8
say "logs, samples and outputs in $out; table in $table; exit $status"
exit $status
