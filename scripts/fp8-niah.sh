#!/usr/bin/env bash
# Needle accuracy of a model pair with FP8 weights against BF16 (issue 14's quality table): eval-niah
# four times over the same rows, BF16 draft + BF16 target, FP8 draft, FP8 target, both FP8 (weights
# quantised at load, W8A8), at one keep rate and look-ahead. Prints each run's table and the summary
# lines; logs go to OUT.
# Usage: scripts/fp8-niah.sh SPECPREFILL OUT DATA.jsonl... [-- eval-niah flags]
#   e.g. scripts/fp8-niah.sh bin/specprefill out/fp8-niah niah-1k.jsonl niah-2k.jsonl -- --backend cuda
# Defaults: --draft models/niah-draft --target models/niah-target --keeps 0.1 --lookaheads 8.
set -uo pipefail
sp=${1:?usage: fp8-niah.sh SPECPREFILL OUT DATA.jsonl... [-- eval-niah flags]}; out=${2:?OUT}; shift 2
repo=$(cd "$(dirname "$0")/.." && pwd)
data=(); while [[ $# -gt 0 && $1 != -- ]]; do data+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
[[ ${#data[@]} -gt 0 ]] || { echo "fp8-niah: no data files" >&2; exit 2; }
mkdir -p "$out"
status=0
for v in bf16:auto:auto fp8-draft:fp8:auto fp8-target:auto:fp8 fp8-both:fp8:fp8; do
  IFS=: read -r name d t <<< "$v"
  echo "== $name (draft_weights_dtype=$d, target_weights_dtype=$t)"
  "$sp" eval-niah --data "${data[@]}" --draft "$repo/models/niah-draft" --target "$repo/models/niah-target" \
    --keeps 0.1 --lookaheads 8 --set draft_weights_dtype="$d" --set target_weights_dtype="$t" "$@" \
    --out "$out/$name.md" > "$out/$name.log" 2>&1 || { status=1; echo "fp8-niah: $name failed, see $out/$name.log"; }
  tail -n 12 "$out/$name.log"
done
exit $status
