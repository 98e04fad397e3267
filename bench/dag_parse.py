"""DAG parse cost: importing each `dags/*.py` (what the dag-processor and every task do) vs `import airflow.sdk` alone.

Each sample is a fresh interpreter (cold imports, like a task process); the time is measured inside
it, from before the first import to after the DAG file ran, so interpreter start-up is excluded.
Samples alternate between the baseline and the DAG file so machine load hits both alike.
Target (issue 14): news_ingest.py at most 1.25x the baseline.

    .venv/bin/python bench/dag_parse.py [--runs 7] [--dag dags/news_ingest.py ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, resource, runpy, sys, time
start = time.perf_counter()
import airflow.sdk
if sys.argv[1] != "-":
    runpy.run_path(sys.argv[1], run_name="dag_file")
elapsed = time.perf_counter() - start
heavy = sorted(m for m in ("newslake.pipeline", "trafilatura", "spacy", "deltalake", "pyarrow") if m in sys.modules)
print(json.dumps({"seconds": elapsed, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "heavy": heavy}))
"""


def sample(dag_file: str, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, dag_file], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dag", action="append", help="DAG file(s) (default: every dags/*.py)")
    args = parser.parse_args()
    dags = args.dag or sorted(str(p.relative_to(ROOT)) for p in (ROOT / "dags").glob("*.py"))
    env = dict(os.environ)
    env.setdefault("AIRFLOW_HOME", str(ROOT / ".newslake" / "bench-airflow"))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "include"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    sample("-", env)  # warm the OS file cache once
    base, per_dag = [], {d: [] for d in dags}
    for _ in range(args.runs):
        base.append(sample("-", env))
        for d in dags:
            per_dag[d].append(sample(d, env))
    base_s = statistics.median(s["seconds"] for s in base)
    base_mb = statistics.median(s["rss_mb"] for s in base)
    print(f"{'what':32} {'median s':>9} {'ratio':>6} {'peak RSS MB':>12}  heavy modules imported")
    print(f"{'import airflow.sdk':32} {base_s:9.2f} {1:6.2f} {base_mb:12.0f}")
    for d, samples in per_dag.items():
        s = statistics.median(x["seconds"] for x in samples)
        mb = statistics.median(x["rss_mb"] for x in samples)
        print(f"{d:32} {s:9.2f} {s / base_s:6.2f} {mb:12.0f}  {', '.join(samples[0]['heavy']) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
