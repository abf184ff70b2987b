#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs this
# executor may use as Spark's ResourceInformation JSON, e.g. {"name": "gpu", "addresses": ["0", "1"]}.
# The addresses are CUDA device ordinals; the job reads the one Spark assigns to each task.
# Honours CUDA_VISIBLE_DEVICES when set (ordinals are then 0..n-1 of the visible devices).
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  count=$(tr ',' '\n' <<<"$CUDA_VISIBLE_DEVICES" | grep -c .)
  addrs=$(seq -s '","' 0 $((count - 1)))
elif command -v nvidia-smi >/dev/null 2>&1; then
  addrs=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | paste -sd ',' - | sed 's/,/","/g')
else
  echo "getGpusResources.sh: no nvidia-smi and no CUDA_VISIBLE_DEVICES: cannot list GPUs" >&2
  exit 1
fi
echo "{\"name\": \"gpu\", \"addresses\": [\"$addrs\"]}"
