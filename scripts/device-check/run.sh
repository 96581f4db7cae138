#!/usr/bin/env bash
# The packed GPU device check (made by scripts/device-check/pack.sh): runs on a Linux x86_64 machine with no Node.
# Unpacks Node and Dawn's dawn.node (xz; python3's lzma where xz is missing) into a cache folder, sets up Vulkan
# (vulkan-env.sh), then runs the bundled check. Arguments are the check's own (--help), e.g.
#   bash run.sh --quick                                  # a software GPU (SwiftShader): a few minutes
#   bash run.sh --random-weights --out "$OUT/device-check.json"
# The JSON report goes to stdout, progress to stderr. Exit status: 0 all ran and the scores agree; 1 not; 2 usage;
# 3 this folder could not be unpacked or Node cannot start here.
# Environment: DEVICE_CHECK_CACHE (where to unpack; default .unpacked/ here, else a temporary folder).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { printf 'run.sh: %s\n' "$*" >&2; exit 3; }

unxz_to() { # unxz_to SRC.xz DEST
  local src="$1" dest="$2"
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$src" >"$dest.part" || die "xz could not decompress $src"
  elif command -v unxz >/dev/null 2>&1; then
    unxz -c "$src" >"$dest.part" || die "unxz could not decompress $src"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import lzma, shutil, sys
with lzma.open(sys.argv[1]) as f, open(sys.argv[2], "wb") as g: shutil.copyfileobj(f, g, 1 << 20)' "$src" "$dest.part" ||
      die "python3 (lzma) could not decompress $src"
  elif command -v busybox >/dev/null 2>&1; then
    busybox xz -dc "$src" >"$dest.part" || die "busybox xz could not decompress $src"
  else
    die "cannot decompress $src: no xz, unxz, python3 or busybox here"
  fi
  mv -f "$dest.part" "$dest"
}

cache="${DEVICE_CHECK_CACHE:-$here/.unpacked}"
if ! mkdir -p "$cache" 2>/dev/null || ! [ -w "$cache" ]; then
  cache="$(mktemp -d "${TMPDIR:-/tmp}/device-check.XXXXXX")"
fi
if ! cmp -s "$here/PACK_ID" "$cache/PACK_ID" 2>/dev/null; then
  printf 'run.sh: unpacking Node and dawn.node into %s\n' "$cache" >&2
  rm -f "$cache/PACK_ID"
  unxz_to "$here/node.xz" "$cache/node"
  chmod +x "$cache/node"
  unxz_to "$here/dawn.node.xz" "$cache/dawn.node"
  cp "$here/PACK_ID" "$cache/PACK_ID"
fi
export DAWN_NODE="$cache/dawn.node"
export DEVICE_CHECK_MAIN=1

# shellcheck source=vulkan-env.sh
. "$here/vulkan-env.sh" "$here/lib"

# Node and dawn.node need libstdc++ (GLIBCXX_3.4.30 for dawn.node) and glibc >= 2.34: where the system's libstdc++ is
# older, the pack's copy (lib/cxx) is used.
probe() { "$cache/node" -e 'process.dlopen({ exports: {} }, process.env.DAWN_NODE)' 2>&1; }
if ! out="$(probe)"; then
  if LD_LIBRARY_PATH="$here/lib/cxx${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" probe >/dev/null 2>&1; then
    export LD_LIBRARY_PATH="$here/lib/cxx${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    printf "run.sh: using the pack's libstdc++ (lib/cxx): %s\n" "$(printf '%s' "$out" | head -n 3)" >&2
  elif ! "$cache/node" --version >/dev/null 2>&1; then
    die "Node does not start here: $out"
  else
    printf 'run.sh: dawn.node does not load here (WebGPU will be reported as failed): %s\n' "$(printf '%s' "$out" | head -n 5)" >&2
  fi
fi

exec "$cache/node" "$here/device-check.mjs" "$@"
