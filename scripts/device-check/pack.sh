#!/usr/bin/env bash
# Packs the GPU device check into one self-contained folder for a Linux x86_64 machine with no Node, no Chromium and
# no network (see README.md):
#   run.sh, vulkan-env.sh      unpack and run (run.sh --help lists the check's options)
#   device-check.mjs           scripts/device-check/device-check.ts and its dependencies (tfjs, the engine), one file
#   wasm/                      tfjs' WASM backend binaries (the reference backend)
#   node.xz                    this machine's Node binary, stripped of its debug symbols, xz -9e
#   dawn.node.xz               Dawn's WebGPU addon from the npm package `webgpu`, xz -9e
#   lib/libvulkan.so.1         a Vulkan loader (Chromium's), used only where the system has none
#   lib/cxx/                   libstdc++ and libgcc_s, used only where the system's are too old for dawn.node
#   PACK_ID, MANIFEST.txt      what was packed, with sizes and SHA-256
# The folder must stay under 64 MiB (what the GPU machine's copy allows); this script fails if it does not.
#
#   bash scripts/device-check/pack.sh [OUT_DIR]      # default .cache/device-check (git-ignored)
# Needs: node, npm dependencies installed (esbuild, webgpu), xz, strip (binutils).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/.cache/device-check}"
limit=$((64 * 1024 * 1024))

say() { printf 'pack: %s\n' "$*" >&2; }
die() { printf 'pack: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "packs for Linux x86_64 only (this is $(uname -s)-$(uname -m))"
command -v xz >/dev/null || die "xz is needed"
command -v strip >/dev/null || die "strip (binutils) is needed"
node_bin="$(command -v node)" || die "node is needed"
node_bin="$(readlink -f "$node_bin")"
dawn="$root/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$dawn" ] || die "no $dawn: run \`npm install --save-dev webgpu\`"
wasm_dir="$root/node_modules/@tensorflow/tfjs-backend-wasm/dist"

rm -rf "$out"
mkdir -p "$out/wasm" "$out/lib/cxx"
cd "$root"

say "bundling scripts/device-check/device-check.ts"
# An ES module (the check uses import.meta.url); CommonJS dependencies get require, __filename and __dirname from
# the banner. The union package's lazy require of node-fetch is never reached.
npx --no-install esbuild scripts/device-check/device-check.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$out/device-check.mjs" --external:node-fetch --log-level=error --legal-comments=eof \
  "--banner:js=import { createRequire as __dcRequire } from 'node:module'; import { fileURLToPath as __dcPath } from 'node:url'; import { dirname as __dcDir } from 'node:path'; const require = __dcRequire(import.meta.url); const __filename = __dcPath(import.meta.url); const __dirname = __dcDir(__filename);"

cp "$wasm_dir/tfjs-backend-wasm.wasm" "$wasm_dir/tfjs-backend-wasm-simd.wasm" "$out/wasm/"
cp "$here/run.sh" "$here/vulkan-env.sh" "$out/"
chmod +x "$out/run.sh"

# xz -9e takes minutes: the compressed binaries are kept (by their source's SHA-256) for the next pack.
cache="$root/.cache/device-check-build"
mkdir -p "$cache"
node_key="$(sha256sum "$node_bin" | cut -c1-16)"
if [ ! -f "$cache/node-$node_key.xz" ]; then
  say "stripping and compressing $node_bin ($(du -h "$node_bin" | cut -f1))"
  strip --strip-all -o "$cache/node-$node_key" "$node_bin"
  "$cache/node-$node_key" -e 'process.exit(0)' || die "the stripped Node does not start"
  xz -9e -T1 "$cache/node-$node_key"
fi
cp "$cache/node-$node_key.xz" "$out/node.xz"
dawn_key="$(sha256sum "$dawn" | cut -c1-16)"
if [ ! -f "$cache/dawn-$dawn_key.xz" ]; then
  say "compressing dawn.node"
  xz -9e -T1 -c "$dawn" >"$cache/dawn-$dawn_key.xz.part"
  mv "$cache/dawn-$dawn_key.xz.part" "$cache/dawn-$dawn_key.xz"
fi
cp "$cache/dawn-$dawn_key.xz" "$out/dawn.node.xz"
cp "$root/node_modules/webgpu/LICENSE.md" "$out/LICENSE-dawn-node.md"

# A Vulkan loader for systems without one: Chromium's, else the system's.
for loader in /usr/lib/chromium/libvulkan.so.1 /usr/lib/x86_64-linux-gnu/libvulkan.so.1; do
  if [ -f "$loader" ]; then cp -L "$loader" "$out/lib/libvulkan.so.1"; break; fi
done
[ -f "$out/lib/libvulkan.so.1" ] || say "warning: no libvulkan.so.1 here to pack; the GPU machine must have its own"
for lib in libstdc++.so.6 libgcc_s.so.1; do
  path="$(ldd "$dawn" | awk -v n="$lib" '$1 == n { print $3 }')"
  [ -n "$path" ] && cp -L "$path" "$out/lib/cxx/$lib"
done

id="$(date -u +%Y%m%dT%H%M%SZ)-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo nogit)"
printf '%s\n' "$id" >"$out/PACK_ID"
{
  printf 'device check pack %s\n' "$id"
  printf 'node %s (%s), dawn.node from webgpu %s, tfjs %s\n' "$("$node_bin" --version)" "$node_bin" \
    "$(node -p "require('$root/node_modules/webgpu/package.json').version")" \
    "$(node -p "require('$root/node_modules/@tensorflow/tfjs-core/package.json').version")"
  printf 'needs: Linux x86_64, glibc >= 2.34 (dawn.node), bash; xz or python3 to unpack; a Vulkan driver (NVIDIA: the graphics capability)\n'
  printf 'licences: Node.js (MIT and bundled third-party licences, https://github.com/nodejs/node/blob/main/LICENSE), Dawn (BSD-3-Clause, LICENSE-dawn-node.md), Vulkan loader (Apache-2.0), libstdc++/libgcc (GPL-3.0 with the GCC runtime library exception), TensorFlow.js (Apache-2.0)\n\n'
  (cd "$out" && find . -type f ! -name MANIFEST.txt | sort | while read -r f; do
    printf '%10d  %s  %s\n' "$(wc -c <"$f")" "$(sha256sum "$f" | cut -c1-64)" "${f#./}"
  done)
} >"$out/MANIFEST.txt"

total="$(du -sb "$out" | cut -f1)"
cat "$out/MANIFEST.txt" >&2
say "$out: $((total / 1024 / 1024)) MiB ($total bytes) in all"
[ "$total" -lt "$limit" ] || die "the pack is over 64 MiB"
