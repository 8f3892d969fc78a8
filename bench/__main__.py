"""`make bench`: seed bench_<N> on PostgreSQL and time every row of issue 13, printing JSON.

    make bench                                  # 10,000 tickets
    make bench BENCH_ARGS="--tickets 1000000"   # seeding a million takes several minutes

Arguments go to bench/run.py (see its --help); `--seed` is implied. BENCH_DATABASE_URL names
the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres). The older
scripts (queue_pages.py, sla_check.py) still run on their own.
"""

from __future__ import annotations

import os
import runpy
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    args = shlex.split(os.environ.get("BENCH_ARGS", "")) + sys.argv[1:]
    sys.argv = [str(HERE / "run.py"), "--seed", *args]
    runpy.run_path(str(HERE / "run.py"), run_name="__main__")
