"""graphql-http's conformance audits (the GraphQL-over-HTTP spec's MUST, SHOULD and MAY rules)
run with Node against a live hub: every MUST and SHOULD passes; how the MAYs fare is printed.

Node and the audit's packages (`make audit-deps`: `npm ci` in tests/graphql_http_audit) are
needed; without them the test is skipped and says so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from hub.auth.roles import Role

from conftest import Callers, LiveHub

AUDIT_DIR = Path(__file__).resolve().parent / "graphql_http_audit"


def test_every_must_and_should_audit_of_graphql_http_passes(
    hub: LiveHub, callers: Callers, capsys: pytest.CaptureFixture[str]
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the GraphQL-over-HTTP audit needs Node 18+")
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        pytest.skip("the audit's packages are not installed: run `make audit-deps` "
                    "(npm ci in tests/graphql_http_audit)")
    frontend = callers.with_role(Role.READER, "graphql-http audit")
    assert frontend.token is not None

    completed = subprocess.run(
        [node, "audit.mjs"], cwd=AUDIT_DIR, capture_output=True, text=True, timeout=120,
        env={**os.environ, "HUB_GRAPHQL_URL": f"{hub.url}/graphql", "HUB_TOKEN": frontend.token})

    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)["results"]
    passed = Counter(result["level"] for result in results if result["status"] == "ok")
    total = Counter(result["level"] for result in results)
    not_passed = [result for result in results if result["status"] != "ok"]
    with capsys.disabled():
        print("\ngraphql-http audits passed: " + ", ".join(
            f"{level} {passed[level]}/{total[level]}" for level in ("MUST", "SHOULD", "MAY")))
        for result in not_passed:
            print(f"  {result['status']}: {result['id']} {result['name']} -- {result['reason']}")
    assert total["MUST"] > 0 and total["SHOULD"] > 0, results
    required = [result for result in not_passed if result["level"] in ("MUST", "SHOULD")]
    assert not required, json.dumps(required, indent=2)
