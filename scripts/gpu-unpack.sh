#!/usr/bin/env bash
# On the GPU box: unpack a bundle made by scripts/gpu-bundle.sh.  Usage: gpu-unpack.sh BUNDLE_DIR DEST
# Afterwards DEST/bin/specprefill runs with DEST/jre; Spark parts (if any) land in DEST/lib.
set -euo pipefail
src=$1; dest=$2
mkdir -p "$dest/lib"
if [[ -f $src/jre.tar.xz && ! -x $dest/jre/bin/java ]]; then xz -dc "$src/jre.tar.xz" | tar -C "$dest" -xf -; fi
if [[ -f $src/specprefill.tar.xz ]]; then xz -dc "$src/specprefill.tar.xz" | tar -C "$dest" -xf -; fi
for p in "$src"/spark-*.tar.xz; do
  if [[ -f $p ]]; then xz -dc "$p" | tar -C "$dest/lib" -xf -; fi
done
echo "unpacked into $dest: $(ls "$dest/lib" | wc -l) jars; java: $("$dest/jre/bin/java" -version 2>&1 | head -1)"
