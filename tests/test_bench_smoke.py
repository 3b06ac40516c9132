"""`make bench` keeps working: every benchmark runs at tiny size and reports against its
baseline. (The real runs, with timings, are `make bench`; never timed assertions here.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hub.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_benchmark_runs_at_tiny_size(base_settings: Settings, tmp_path: Path) -> None:
    output = tmp_path / "results.json"

    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--size", "tiny",
                             "--output", str(output)], capture_output=True, text=True,
                            timeout=600, check=False, cwd=ROOT)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(output.read_text())
    benchmarks = {row["benchmark"].split(",")[0].split(" (")[0] for row in report["results"]}
    assert {"renditions", "embedding", "auto-tag job", "ingest", "similar search"} <= benchmarks, \
        benchmarks
    assert len(benchmarks) >= 6, benchmarks
    for row in report["results"]:
        assert row["hub"] >= 0 and row["baseline"] >= 0, row
    assert "ratio" in result.stdout
