#!/usr/bin/env bash
# Run the benchmarks (not tests): PostgreSQL, Redis and gunicorn on 127.0.0.1, wrk as the
# load generator; prints a table of ratios to a bare Flask baseline measured in the same run.
#   scripts/bench.sh [--seconds 10] [--connections 16] [--only catalogue]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet -e ".[test,bench]" 2>&1 | grep -v '^WARNING: Location' || true
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v redis-server >/dev/null || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
exec python -m "${BENCH_MODULE:-bench.run}" "$@"
