#!/usr/bin/env bash
# The cuda module's GPU suite on a machine with an NVIDIA driver but no Java, Maven or network
# (the lent device machine). Two halves:
#
#   scripts/cuda-gpu-suite.sh pack DIR        here: builds the cuda module and its tests, writes
#                                             DIR/jre.tar.xz (jlink'ed JDK 17, ~17 MB) and
#                                             DIR/suite.tar.xz (classes, test classes + hf-golden
#                                             resources, Jackson, JCuda with only its driver native,
#                                             JUnit's console launcher, torch_reference.py)
#   scripts/cuda-gpu-suite.sh run DIR OUT [what...]
#                                             there: unpacks and runs, logging to OUT:
#                                             tests   every io.specprefill.cuda test (JUnit console;
#                                                     TEST_CLASSES="A B" runs only those classes)
#                                             kernels KernelBench      forward ForwardBench [lengths]
#                                             attention-kernels KernelBench's attention rows only
#                                             gemm-kernels KernelBench's BF16 GEMM rows only
#                                             small-kernels KernelBench's small ops only (bias, per-head norm,
#                                                     gather, FP8 quantisation, top-p sampling)
#                                             decode  ForwardBench's 8B decode rows (32K cache, batched at 4K)
#                                             fp8     issue 14's tables: KernelBench's FP8 GEMMs, ForwardBench's
#                                                     8B BF16 vs FP8 (FORWARD_LENGTHS) and the 70B shape in FP8
#                                                     (FP8_70B_LENGTHS, default 4096,8192)
#                                             torch   scripts/torch_reference.py (PyTorch, same shapes)
#                                             attention scripts/torch_attention.py (PyTorch's SDPA backends)
#                                             sanitize compute-sanitizer: memcheck over the kernel tests,
#                                                      racecheck over the packed attention and importance tests
#                                             profile  ncu over one 8B decode step over a 32K cache (DecodeProfile)
#                                             profile-attention  layer 0 of it (projections, attention) under ncu's full set and stall
#                                                      reasons (PROFILE_KERNELS: ncu -k filter, PROFILE_LAUNCHES: how many)
#   SANITIZE_TOOLS (memcheck racecheck) picks the sanitizer tools, SANITIZE_CLASSES the memcheck classes,
#   SANITIZE_MEMCHECK_METHODS test methods (io.specprefill.cuda.X#m(params)) to memcheck on their own.
#   SUITE_JAVA_OPTS adds JVM options (e.g. -Dspecprefill.cudnn.library=PATH to use PyTorch's cuDNN).
set -euo pipefail
mode=${1:?usage: cuda-gpu-suite.sh pack DIR | run DIR OUT [tests|kernels|forward|torch ...]}
root=$(cd "$(dirname "$0")/.." && pwd)

if [[ $mode == pack ]]; then
  out=$(mkdir -p "$2" && cd "$2" && pwd)
  cd "$root"
  mvn -B -ntp -q -o test-compile -pl cuda -am
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  if [[ ! -f $out/jre.tar.xz ]]; then
    jlink --add-modules java.base,java.logging,jdk.unsupported,java.management,java.naming,java.sql,java.desktop,jdk.zipfs,java.xml \
      --strip-debug --no-header-files --no-man-pages --compress=0 --output "$work/jre"
    tar -C "$work" -cf - jre | xz -T0 -6 > "$out/jre.tar.xz"
  fi
  s=$work/suite; mkdir -p "$s/lib" "$s/natives/lib"
  for m in udf cuda; do
    cp -r "$m/target/classes" "$s/$m-classes"
    cp -r "$m/target/test-classes" "$s/$m-test-classes"
  done
  m2=$HOME/.m2/repository
  # The module's runtime jars (Jackson, JCuda) as Maven resolves them; JUnit comes as its console launcher.
  mvn -B -ntp -q -o dependency:build-classpath -pl cuda -am -Dmdep.outputFile="$work/cp.txt" >/dev/null
  tr ':' '\n' < "$work/cp.txt" | grep -E '/(jackson-[a-z]+|jcuda)-[0-9][^/]*\.jar$' | xargs -I{} cp {} "$s/lib/"
  # JCuda's natives jar is 26 MB; only libJCudaDriver is used (the driver API).
  (cd "$s/natives" && unzip -q "$m2/org/jcuda/jcuda-natives/12.6.0/jcuda-natives-12.6.0-linux-x86_64.jar" \
     'lib/libJCudaDriver-12.6.0-linux-x86_64.so' && zip -q -r "$s/lib/jcuda-natives-driver-only.jar" lib) && rm -rf "$s/natives"
  cp "$m2/org/junit/platform/junit-platform-console-standalone/1.14.1/junit-platform-console-standalone-1.14.1.jar" "$s/junit.jar"
  cp scripts/torch_reference.py scripts/torch_attention.py scripts/cuda-gpu-suite.sh "$s/"
  git -C "$root" rev-parse --short HEAD > "$s/GIT"
  tar -C "$work" -cf - suite | xz -T0 -6 > "$out/suite.tar.xz"
  ls -la "$out"
  exit 0
fi

# run DIR OUT what...
src=$2; out=$3; shift 3
dest=/tmp/cuda-suite; mkdir -p "$dest" "$out"
[[ -x $dest/jre/bin/java ]] || xz -dc "$src/jre.tar.xz" | tar -C "$dest" -xf -
rm -rf "$dest/suite"; xz -dc "$src/suite.tar.xz" | tar -C "$dest" -xf -
s=$dest/suite; java=$dest/jre/bin/java
cp="$s/cuda-classes:$s/cuda-test-classes:$s/udf-classes:$s/udf-test-classes$(printf ':%s' "$s"/lib/*.jar)"   # spelled out: JUnit's launcher expands no wildcards
jvm=(-Xmx64g -Dspecprefill.git="$(cat "$s/GIT")" ${SUITE_JAVA_OPTS:-})   # e.g. -Dspecprefill.cudnn.library=PATH
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
status=0
for what in "${@:-tests}"; do
  case "$what" in
    tests) # one JVM per test class: a kernel fault poisons its CUDA context, so it must not hide the other classes
           : > "$out/tests.log"
           for c in $(cd "$s/cuda-test-classes" && ls io/specprefill/cuda/*Test.class | sed 's:/:.:g; s:\.class$::'); do
             [[ -z ${TEST_CLASSES:-} || " $TEST_CLASSES " == *" ${c##*.} "* ]] || continue
             log=/tmp/cuda-suite-$c.log
             "$java" "${jvm[@]}" -jar "$s/junit.jar" execute --class-path "$cp" --select-class "$c" --details=tree \
               --details-theme=ascii --disable-banner --disable-ansi-colors > "$log" 2>&1 || status=1
             cat "$log" >> "$out/tests.log"
             n() { grep -oE "[0-9]+ tests $1" "$log" | grep -oE '^[0-9]+' || echo '?'; }
             echo "${c##*.}: $(n successful) ok, $(n failed) failed, $(n aborted) skipped"
             grep -E '^(GPU tests on|CudaGoldenTest|CudaForwardTest)' "$log" | sort -u || true
             grep -E '=> |\[X\]' "$log" | cut -c1-400 | head -12 || true
           done
           # A failing attention version must not make the benchmarks below time wrong results:
           # they use the newest versions whose tests passed.
           pv=3; dv=5
           if grep -qE 'prefill v3 .*\[X\]|long prefill .* v3 .*\[X\]' "$out/tests.log"; then pv=2; fi
           if grep -qE 'decode v5 .*\[X\]|long decode .* v5 .*\[X\]' "$out/tests.log"; then dv=2; fi
           echo "cuda-gpu-suite: benchmarks use attention_prefill_v$pv, attention_decode_v$dv"
           jvm+=(-Dspecprefill.cuda.prefillVersion=$pv -Dspecprefill.cuda.decodeVersion=$dv);;
    kernels) "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.KernelBench 2>&1 | tee "$out/kernels.txt" || status=1;;
    attention-kernels) "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.KernelBench 0 attention 2>&1 | tee "$out/kernels-attention.txt" || status=1;;
    gemm-kernels) "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.KernelBench 0 gemm 2>&1 | tee "$out/kernels-gemm.txt" || status=1;;
    small-kernels) "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.KernelBench 0 small 2>&1 | tee "$out/kernels-small.txt" || status=1;;
    decode) "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.ForwardBench 32768 decode 2>&1 | tee "$out/decode.txt" || status=1;;
    forward) "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.ForwardBench ${FORWARD_LENGTHS:-} 2>&1 | tee "$out/forward.txt" || status=1;;
    fp8) "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.KernelBench 0 fp8 2>&1 | tee "$out/fp8-kernels.txt" || status=1
         "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.ForwardBench ${FORWARD_LENGTHS:-4096,8192,16384,32768} fp8 2>&1 \
           | tee "$out/fp8-forward.txt" || status=1
         "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.ForwardBench ${FP8_70B_LENGTHS:-4096,8192} fp8-70b 2>&1 \
           | tee "$out/fp8-70b.txt" || status=1;;
    torch) PYTHONUNBUFFERED=1 python3 "$s/torch_reference.py" ${FORWARD_LENGTHS:+--lengths $FORWARD_LENGTHS} 2>&1 | tee "$out/torch.txt" || status=1;;
    attention) PYTHONUNBUFFERED=1 python3 "$s/torch_attention.py" 2>&1 | tee "$out/torch_attention.txt" || status=1;;
    sanitize)
           junit=("$java" "${jvm[@]}" -jar "$s/junit.jar" execute --class-path "$cp" --details=summary --disable-banner --disable-ansi-colors)
           san=(compute-sanitizer --target-processes all --print-limit 20)
           memcheckClasses=${SANITIZE_CLASSES:-"AttentionKernelTest ElementwiseKernelTest GatherArgmaxKernelTest ImportanceKernelTest RopeKernelTest SampleTopPKernelTest MatmulKernelTest"}
           [[ ${SANITIZE_TOOLS:-memcheck racecheck} == *memcheck* ]] || memcheckClasses=""
           for c in $memcheckClasses; do
             "${san[@]}" --tool memcheck "${junit[@]}" --select-class io.specprefill.cuda.$c > "$out/memcheck-$c.log" 2>&1 || status=1
             echo "memcheck $c: $(grep -E 'ERROR SUMMARY' "$out/memcheck-$c.log" | tail -1 | tr -s '= ') $(grep -oE '[0-9]+ tests (successful|failed)' "$out/memcheck-$c.log" | tr '\n' ' ')"
           done
           for sel in ${SANITIZE_MEMCHECK_METHODS:-}; do   # memcheck over single test methods (Class#method(params))
             name=$(echo "$sel" | sed 's/(.*//; s/.*\.//; s/#/-/')
             "${san[@]}" --tool memcheck "${junit[@]}" --select-method "$sel" > "$out/memcheck-$name.log" 2>&1 || status=1
             echo "memcheck $name: $(grep -E 'ERROR SUMMARY' "$out/memcheck-$name.log" | tail -1 | tr -s '= ') $(grep -oE '[0-9]+ tests (successful|failed)' "$out/memcheck-$name.log" | tr '\n' ' ')"
           done
           [[ ${SANITIZE_TOOLS:-memcheck racecheck} == *racecheck* ]] || continue
           for sel in 'io.specprefill.cuda.AttentionKernelTest#packedStepsMatchCpu(int,int,int,io.specprefill.cuda.KernelChoice$Path,int,int,boolean)' \
                      'io.specprefill.cuda.AttentionKernelTest#decodeOverALongCacheMatchesCpu(int,int,int,int,boolean)' \
                      'io.specprefill.cuda.ImportanceKernelTest'; do
             name=$(echo "$sel" | sed 's/(.*//; s/.*\.//; s/#/-/')
             if [[ $sel == *'#'* ]]; then pick=(--select-method "$sel"); else pick=(--select-class "$sel"); fi
             "${san[@]}" --tool racecheck --racecheck-report all "${junit[@]}" "${pick[@]}" > "$out/racecheck-$name.log" 2>&1 || status=1
             echo "racecheck $name: $(grep -E 'RACECHECK SUMMARY|ERROR SUMMARY' "$out/racecheck-$name.log" | tail -1 | tr -s '= ') in $(grep -oE 'at void [a-z_0-9]+' "$out/racecheck-$name.log" | sort -u | sed 's/at void //' | tr '\n' ' ') $(grep -oE '[0-9]+ tests (successful|failed)' "$out/racecheck-$name.log" | tr '\n' ' ')"
           done;;
    profile) # every kernel of one 8B decode step over a 32K cache (DecodeProfile marks it), one row each
             ncu --clock-control none --profile-from-start off --target-processes all --section SpeedOfLight \
               --csv --page raw --metrics gpu__time_duration.sum,dram__bytes.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed \
               "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.DecodeProfile 32768 > "$out/ncu-decode.csv" 2> "$out/ncu-decode.err" || status=1
             tail -3 "$out/ncu-decode.err";;
    profile-attention) # layer 0 of that step: its projections and decode attention, under every ncu section (stalls, memory, occupancy)
             ncu --clock-control none --profile-from-start off --target-processes all --set full \
               --metrics "regex:smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio" \
               -k "${PROFILE_KERNELS:-regex:attention_decode|nvjet|gemv}" --launch-count ${PROFILE_LAUNCHES:-5} \
               "$java" "${jvm[@]}" -cp "$cp" io.specprefill.cuda.DecodeProfile 32768 > "$out/ncu-attention.txt" 2> "$out/ncu-attention.err" || status=1
             tail -3 "$out/ncu-attention.err";;
    *) echo "cuda-gpu-suite: unknown step '$what'" >&2; status=2;;
  esac
done
exit $status
