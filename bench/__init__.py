"""Benchmarks (not tests): ``scripts/bench.sh`` runs them and prints a table of ratios."""
