#!/usr/bin/env bash
# The soak: a mixed load for several minutes (see bench/soak.py), set up like the benchmarks.
#   scripts/soak.sh [--minutes 3] [--users 12]
BENCH_MODULE=bench.soak exec "$(dirname "$0")/bench.sh" "$@"
