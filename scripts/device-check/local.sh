#!/usr/bin/env bash
# The device check from the source tree (Node and node_modules installed): Vulkan set up by vulkan-env.sh, then
# scripts/device-check/device-check.ts under tsx. Arguments are the check's own (see --help), e.g.
#   bash scripts/device-check/local.sh --quick
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=vulkan-env.sh
. "$here/vulkan-env.sh"
exec "$root/node_modules/.bin/tsx" "$here/device-check.ts" "$@"
