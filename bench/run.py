"""Every benchmark, each against its baseline in the same run: `make bench` (full) or
`python bench/run.py --size tiny` (a smoke run). Prints a table and writes bench/results.json
with the machine it ran on."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCHMARKS = ["renditions", "embedding", "auto_tag_job", "ingest", "similar_search", "product_page",
              "store_lookups"]
HERE = Path(__file__).resolve().parent


def machine() -> dict[str, Any]:
    import torch

    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "python": platform.python_version(), "torch": torch.__version__,
            "cuda": torch.cuda.is_available()}


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'benchmark':<58} {'metric':<24} {'hub':>10} {'baseline':>10} {'ratio':>7}  "
             f"{'target':<26} holds"]
    for row in rows:
        holds = {True: "yes", False: "NO", None: "-"}[row["holds"]]
        lines.append(f"{row['benchmark'][:58]:<58} {row['metric'][:24]:<24} "
                     f"{row['hub']:>10.3g} {row['baseline']:>10.3g} {row['ratio']:>7.2f}  "
                     f"{row['target'][:26]:<26} {holds}")
    return "\n".join(lines)


def run_alone(doc: str | None, sizes: Iterable[str],
              run: Callable[[str], list[dict[str, Any]]]) -> None:
    """`python bench/<name>.py [--size S]`: one benchmark on its own, printed as a table
    (nothing written; `bench/run.py --only <name>` writes results.json)."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--size", choices=sorted(sizes), default="full")
    size = parser.parse_args().size
    began = time.perf_counter()
    print(table(run(size)))
    print(f"({size}: {time.perf_counter() - began:.1f} s, {os.cpu_count()} CPUs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["tiny", "full"], default="full")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, default=BENCHMARKS)
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    rows: list[dict[str, Any]] = []
    began = time.perf_counter()
    for name in args.only:
        print(f"running {name} ({args.size}) ...", flush=True)
        rows += importlib.import_module(name).run(args.size)
    report = {"size": args.size, "finished_at": datetime.now(UTC).isoformat(),
              "seconds": round(time.perf_counter() - began, 1), "machine": machine(),
              "results": rows}
    args.output.write_text(json.dumps(report, indent=2))
    print(table(rows))
    print(f"\n{len(rows)} results in {report['seconds']} s, written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
