#!/usr/bin/env bash
# Proves the repository is self-contained: clones the committed HEAD into a new, empty temporary
# folder (nothing beside it: no ../shared, no caches of this checkout) and runs the README's commands
# there. Uncommitted changes are not part of the clone: commit first.
#   scripts/fresh-clone-test.sh          npm ci, then the unit and server suites
#   scripts/fresh-clone-test.sh --full   npm ci && npm test (the README's test command, editor tests included)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
parent="$(mktemp -d)"
trap 'rm -rf "$parent"' EXIT
git clone --quiet --no-hardlinks "$repo" "$parent/modeldeck"
cd "$parent/modeldeck"
echo "[fresh-clone] $(git log -1 --format='%h %s') in $parent/modeldeck; beside it: $(ls -A "$parent" | tr '\n' ' ')" >&2
# onnxruntime-node's install script would download the CUDA provider from outside the npm registry.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ "${1:-}" = "--full" ]; then
  npm ci && npm test
else
  npm ci && bash scripts/install-test-deps.sh && npm run build && \
    node --import tsx --test --test-concurrency=1 test/unit/*.test.ts test/server/*.test.ts
fi
