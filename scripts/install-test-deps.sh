#!/usr/bin/env bash
# Debian packages the unit and server suites use, installed only when missing:
#   - Python with numpy, scikit-learn, joblib and pandas (Debian's /usr/bin/python3): predictor and
#     transformer script tests run real Python, and the example pickle model is built with scikit-learn;
#   - kcat: its librdkafka mock cluster is the real Kafka peer of the inference-logger tests.
# The editor tests install their own tools (scripts/setup-editor-test.sh).
# Runs apt only as root (or with passwordless sudo); otherwise says what to install and fails.
set -euo pipefail
log() { echo "[install-test-deps] $*" >&2; }

missing=()
if [ ! -x /usr/bin/python3 ]; then
  missing+=(python3 python3-numpy python3-sklearn python3-joblib python3-pandas)
else
  for mod in numpy:python3-numpy sklearn:python3-sklearn joblib:python3-joblib pandas:python3-pandas; do
    /usr/bin/python3 -c "import ${mod%%:*}" 2>/dev/null || missing+=("${mod##*:}")
  done
fi
command -v kcat >/dev/null || missing+=(kcat)
[ ${#missing[@]} -eq 0 ] && exit 0
. "$(dirname "$0")/apt-install.sh"
apt_install_missing "${missing[@]}"
