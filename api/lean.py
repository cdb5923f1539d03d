"""What a worker process leaves unimported although a library it uses would import it.

``httpx`` (stripe's asynchronous client and firebase-admin's HTTP client depend on it)
imports its own command-line client, ``httpx._main``, whenever the libraries that client
needs are installed: rich and pygments, 3.3 MB of every worker's resident memory. A
production install has neither (only the test extra brings them in: import-linter,
schemathesis, pytest), so there this changes nothing; in the dev venv, where the
benchmark's and the dev server's workers run, it keeps them from weighing what a
production worker does not. No process of ours runs that client: the ``httpx`` console
script starts an interpreter of its own, which this never reaches.
"""

from __future__ import annotations

import sys
import types


def _no_cli() -> None:
    raise SystemExit("httpx's command-line client is not loaded in this process: run `httpx`.")


def skip_cli_only_imports() -> None:
    """Stand in for ``httpx._main`` before anything imports httpx (no-op once it is in)."""
    if "httpx" in sys.modules:
        return
    placeholder = types.ModuleType("httpx._main", "Placeholder: see api.lean.")
    placeholder.main = _no_cli  # what httpx/__init__.py takes from its _main
    sys.modules.setdefault("httpx._main", placeholder)
