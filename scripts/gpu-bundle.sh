#!/usr/bin/env bash
# Builds a self-contained bundle for an offline GPU box (NVIDIA driver + CUDA libraries, no Java,
# no network), in parts small enough to carry one at a time: a call carries at most 64 MiB with the
# repository's own files (~27 MiB), so parts stay near 20-25 MiB:
#
#   DIR/jre.tar.xz          a jlink'ed JDK 17 runtime (the modules Spark needs, and the font stack the
#                           sweep's plots need), ~20 MiB
#   DIR/specprefill.tar.xz  bin/specprefill, lib/ (our jars with kernels and JNI bridge, Jackson, JCuda),
#                           configs/, scripts/gpu-unpack.sh [, models/ with --models] [, tests with --tests]
#   DIR/spark-K.tar.xz      with --spark: Spark's jars for the job, repacked uncompressed and xz'ed
#                           (~88 MiB in all instead of ~230 MB), split into parts of about --part-mib each (default 24:
#                           five parts of 12-22 MiB)
#
# On the box: scripts/gpu-unpack.sh DIR DEST, then DEST/bin/specprefill ... (see README, "GPU box").
# Usage: scripts/gpu-bundle.sh [--out DIR] [--spark] [--part-mib 24] [--models] [--tests] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=dist/gpu; spark=0; part_mib=24; models=0; tests=0; build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out=$2; shift 2;;
    --spark) spark=1; shift;;
    --part-mib) part_mib=$2; shift 2;;
    --models) models=1; shift;;
    --tests) tests=1; shift;;
    --no-build) build=0; shift;;
    *) echo "gpu-bundle: unknown flag '$1' (see the header of $0)" >&2; exit 2;;
  esac
done
mkdir -p "$out"; out=$(cd "$out" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

if [[ $build == 1 ]]; then
  if [[ $tests == 1 ]]; then mvn -B -ntp -q -DskipTests package; else mvn -B -ntp -q -DskipTests -Dmaven.test.skip.exec=true package; fi
fi
cp_file=job/target/classpath.txt
[[ -f $cp_file ]] || { echo "gpu-bundle: $cp_file missing: build first (scripts/build.sh)" >&2; exit 2; }

# 1. Java runtime. Rebuilt only when the JDK or the module list changes. jdk.unsupported
#    (sun.misc.Unsafe) and java.management/naming/sql/desktop are needed by Spark's dependencies;
#    jdk.zipfs by jar handling; jdk.incubator.vector because Spark 4.2 starts every executor JVM with
#    --add-modules=jdk.incubator.vector (a standalone cluster's executors do not start without it).
modules=java.base,java.compiler,java.datatransfer,java.desktop,java.instrument,java.logging,java.management,java.management.rmi,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.sql.rowset,java.transaction.xa,java.xml,java.xml.crypto,jdk.crypto.ec,jdk.jfr,jdk.management,jdk.net,jdk.unsupported,jdk.zipfs,jdk.security.auth,jdk.security.jgss,jdk.naming.dns,jdk.localedata,jdk.incubator.vector
jdk_tag="$(java -version 2>&1 | head -1 | tr -cd '[:alnum:]._-')-$(echo "$modules" | cksum | cut -d' ' -f1)-fonts2"
if [[ ! -f $out/jre.tar.xz || "$(cat "$out/jre.tag" 2>/dev/null)" != "$jdk_tag" ]]; then
  echo "gpu-bundle: jlink runtime ($jdk_tag)"
  jlink --add-modules "$modules" \
    --include-locales=en --strip-debug --no-header-files --no-man-pages --compress=0 --output "$work/jre"
  # The sweep's PNG plots draw text: java.desktop's font library needs HarfBuzz, FreeType and what
  # they link, and fonts. A bare GPU box has neither (libharfbuzz.so.0 missing, 2026-11-30), so both
  # travel in the runtime: the libraries beside libfontmanager.so (its RPATH is $ORIGIN) and DejaVu
  # Sans in lib/fonts.
  for l in $(ldd "$work/jre/lib/libfontmanager.so" "$work/jre/lib/liblcms.so" | awk '$3 ~ /^\// {print $3}' | sort -u); do
    case "$(basename "$l")" in libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libstdc++*|libgcc_s*) ;;
      *) [[ $l == "$work"/* ]] || cp -L "$l" "$work/jre/lib/";; esac
  done
  fonts=$(fc-match -f '%{file}' 'DejaVu Sans' 2>/dev/null || true); fonts=$(dirname "${fonts:-/usr/share/fonts/truetype/dejavu/x}")
  ls "$fonts"/DejaVuSans.ttf >/dev/null 2>&1 || { echo "gpu-bundle: no DejaVu Sans font here (apt-get install fonts-dejavu-core)" >&2; exit 2; }
  mkdir -p "$work/jre/lib/fonts"; cp "$fonts"/DejaVuSans.ttf "$fonts"/DejaVuSans-Bold.ttf "$work/jre/lib/fonts/"
  # Without fontconfig's fonts the JDK stops with "Fontconfig head is null"; a fontconfig.properties in
  # lib/ makes it map its logical fonts to these files instead (tried on the H200 box, 2026-11-30).
  { echo "version=1"; echo "sequence.allfonts=latin-1"
    for f in serif sansserif monospaced dialog dialoginput; do
      echo "$f.plain.latin-1=DejaVu Sans"; echo "$f.bold.latin-1=DejaVu Sans Bold"
      echo "$f.italic.latin-1=DejaVu Sans"; echo "$f.bolditalic.latin-1=DejaVu Sans Bold"
    done
    echo 'filename.DejaVu_Sans=$JRE_LIB_FONTS/DejaVuSans.ttf'; echo 'filename.DejaVu_Sans_Bold=$JRE_LIB_FONTS/DejaVuSans-Bold.ttf'
  } > "$work/jre/lib/fontconfig.properties"
  tar -C "$work" -cf - jre | xz -T0 -6 > "$out/jre.tar.xz"
  echo "$jdk_tag" > "$out/jre.tag"
fi

# 2. The application: our jars plus the small dependencies that are not Spark's.
app=$work/app; mkdir -p "$app/lib" "$app/bin" "$app/scripts"
cp job/target/specprefill-job-*[0-9T].jar "$app/lib/" 2>/dev/null || cp $(ls job/target/specprefill-job-*.jar | grep -v -- -app.jar) "$app/lib/"
# app-classpath.txt is the job's runtime scope: our modules and what Spark does not provide.
app_cp=job/target/app-classpath.txt
[[ -f $app_cp ]] || { echo "gpu-bundle: $app_cp missing: build first (scripts/build.sh)" >&2; exit 2; }
is_core() { tr ':' '\n' < "$app_cp" | grep -qxF "$1"; }
tr ':' '\n' < "$app_cp" | while read -r j || [[ -n $j ]]; do if [[ -n $j ]]; then cp "$j" "$app/lib/"; fi; done
# (The file has no final newline: without "|| [[ -n $j ]]" its last jar, JFreeChart, was left out.)
for j in $(tr ':' ' ' < "$app_cp"); do
  [[ -f $app/lib/$(basename "$j") ]] || { echo "gpu-bundle: $(basename "$j") of $app_cp missing from the bundle" >&2; exit 1; }
done
cp bin/specprefill "$app/bin/"; if [[ -d configs ]]; then cp -r configs "$app/"; fi; cp scripts/gpu-unpack.sh "$app/scripts/"
if [[ $models == 1 ]]; then cp -r models "$app/"; fi
if [[ $tests == 1 ]]; then
  # Test classes of every module plus JUnit's console launcher: run the suites where Maven is absent.
  mkdir -p "$app/tests"
  # As folders, not jars: the golden fixtures are read as files (Path), which a jar cannot give.
  for m in udf cuda job; do
    if [[ -d $m/target/test-classes ]]; then cp -r "$m/target/test-classes" "$app/tests/$m-test-classes"; fi
  done
  mvn -B -ntp -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 -DoutputDirectory="$app/tests"
fi
# The commit the jars were built from (a dirty tree says so): reports on the box name it (job-bench.sh).
git rev-parse --short HEAD 2>/dev/null | tr -d '\n' > "$app/GIT" && { git diff --quiet HEAD 2>/dev/null || printf '+dirty' >> "$app/GIT"; }
tar -C "$app" -cf - . | xz -T0 -6 > "$out/specprefill.tar.xz"

# 3. Spark for the job. Jars are repacked uncompressed so that xz sees the classes (2x smaller);
#    natives for other platforms and rocksdbjni (only Spark's disk-backed UI/state stores) are left out.
if [[ $spark == 1 ]]; then
  rm -f "$out"/spark-*.tar.xz
  mkdir -p "$work/stored"
  tr ':' '\n' < "$cp_file" | while read -r j || [[ -n $j ]]; do
    if [[ -z $j ]] || is_core "$j" || [[ $j =~ rocksdbjni|windows|osx|aarch ]]; then continue; fi
    d=$work/x/$(basename "$j"); mkdir -p "$d"; (cd "$d" && unzip -q -o "$j" 2>/dev/null || true)
    (cd "$d" && zip -q -0 -r -X "$work/stored/$(basename "$j")" .); rm -rf "$d"
  done
  # Greedy split by uncompressed size (xz makes each part about 5x smaller than its stored size).
  limit=$(( part_mib * 1024 * 1024 * 5 )); k=1; acc=0; : > "$work/part1"
  for f in $(ls -S "$work/stored"); do
    s=$(stat -c %s "$work/stored/$f")
    if (( acc > 0 && acc + s > limit )); then k=$((k + 1)); acc=0; : > "$work/part$k"; fi
    echo "$f" >> "$work/part$k"; acc=$((acc + s))
  done
  for p in $(seq 1 $k); do
    tar -C "$work/stored" -cf - -T "$work/part$p" | xz -T0 -6 > "$out/spark-$p.tar.xz"
  done
fi
(cd "$out" && ls -l *.tar.xz | awk '{printf "%-24s %6.1f MiB\n", $9, $5/1048576}')
