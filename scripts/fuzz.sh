#!/usr/bin/env bash
# The longer schemathesis run: every operation of openapi.yaml against a live server, logged
# in as a citizen, with many more generated cases than the bounded run in the test suite.
#   scripts/fuzz.sh [examples per operation, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet -e ".[test]" 2>&1 | grep -v '^WARNING: Location' || true
FUZZ_MAX_EXAMPLES="${1:-200}" exec python -m pytest -p no:cacheprovider tests/test_fuzz.py \
  --hypothesis-show-statistics -o addopts="" -q
