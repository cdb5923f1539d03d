"""Where a web worker's resident memory goes before it serves anything (issue 19).

    python -m bench.memory_profile                 # 3 fresh processes, medians
    python -m bench.memory_profile --runs 5 --top 40
    python -m bench.memory_profile --without rich --without pygments   # as a production
                                                   # install (no test extra) would be

Each run is a fresh interpreter with the benchmark's production settings (``bench.run``:
APP_ENV=production, PostgreSQL and Redis URLs, the embedded vendors; nothing connects at
start-up, so no server is needed) that imports ``api`` and calls ``create_app()``. It
prints the RSS at start, after ``import api`` and after ``create_app()``, then the
packages that weigh most: the RSS each top-level package added while its own modules ran
(a module's nested imports of other packages are counted to those), with the chain of
modules that first imported it. RSS moves by pages and malloc arenas, so a package's figure
is +/- 0.1 MB; compare totals with and without a change for what a change saves.

What grows while serving is read from the benchmark's workers instead:
``python -m bench.run --only availability --rounds 1 --seconds 3`` prints their RSS.
"""

from __future__ import annotations

import argparse
import importlib.abc
import json
import os
import statistics
import subprocess
import sys

_PROBE_ENV = "PALM_MEMORY_PROFILE_CHILD"


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _Measuring(importlib.abc.Loader):
    """Wraps a module's loader: the RSS its own code added, nested imports excluded."""

    own: dict[str, float] = {}
    first_by: dict[str, list[str]] = {}
    _stack: list[list] = []  # [module name, MB of nested imports]

    def __init__(self, inner) -> None:
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module) -> None:
        name = module.__name__
        top = name.split(".")[0]
        if top not in self.first_by:
            self.first_by[top] = [frame[0] for frame in self._stack][-5:]
        self._stack.append([name, 0.0])
        before = _rss_mb()
        try:
            self.inner.exec_module(module)
        finally:
            added = _rss_mb() - before
            _, nested = self._stack.pop()
            self.own[name] = self.own.get(name, 0.0) + added - nested
            if self._stack:
                self._stack[-1][1] += added

    def __getattr__(self, name):
        return getattr(self.inner, name)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Measuring(spec.loader)
                return spec
        return None


def _child(without: list[str]) -> None:
    for name in without:  # as if not installed
        sys.modules[name] = None  # type: ignore[assignment]
    sys.meta_path.insert(0, _Finder())
    start = _rss_mb()
    import api

    imported = _rss_mb()
    api.create_app()
    created = _rss_mb()
    packages: dict[str, float] = {}
    for name, added in _Measuring.own.items():
        top = name.split(".")[0]
        packages[top] = packages.get(top, 0.0) + added
    print(
        json.dumps(
            {
                "start": start,
                "import_api": imported,
                "create_app": created,
                "modules": sum(1 for module in sys.modules.values() if module is not None),
                "packages": packages,
                "first_by": _Measuring.first_by,
            }
        )
    )


def _env() -> dict[str, str]:
    from bench.run import app_env

    # Never connected to at start-up; the URLs only select the production code paths.
    return app_env("postgresql+psycopg://app@127.0.0.1:1/postgres", "redis://127.0.0.1:1/0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--without", action="append", default=[], help="a package to treat as not installed"
    )
    args = parser.parse_args()
    if os.environ.get(_PROBE_ENV):
        _child(args.without)
        return
    env = {**os.environ, **_env(), _PROBE_ENV: "1"}
    command = [sys.executable, "-m", "bench.memory_profile"]
    for name in args.without:
        command += ["--without", name]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runs = [
        json.loads(
            subprocess.run(
                command, env=env, cwd=root, capture_output=True, text=True, check=True
            ).stdout.splitlines()[-1]
        )
        for _ in range(args.runs)
    ]

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    print(f"fresh processes: {args.runs}; medians (MB of RSS)")
    if args.without:
        print(f"treated as not installed: {', '.join(args.without)}")
    print(f"  at start             {median('start'):6.1f}")
    print(f"  after import api     {median('import_api'):6.1f}")
    print(f"  after create_app()   {median('create_app'):6.1f}   ({runs[0]['modules']} modules)")
    names = set().union(*(run["packages"] for run in runs))
    weights = {
        name: statistics.median(run["packages"].get(name, 0.0) for run in runs) for name in names
    }
    print(f"\ntop {args.top} packages by the RSS their modules added (first imported by)")
    for name, weight in sorted(weights.items(), key=lambda item: -item[1])[: args.top]:
        chain = " > ".join(runs[0]["first_by"].get(name, [])) or "create_app"
        print(f"  {weight:6.2f}  {name:24s} <- {chain}")


if __name__ == "__main__":
    main()
