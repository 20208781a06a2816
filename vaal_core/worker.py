"""A worker process of :func:`jobs.run_jobs`: ``python -m vaal_core.worker METHOD SEED`` with the
resolved experiment as JSON on standard input. Runs that one job into the results store and exits."""
from __future__ import annotations

import json
import sys

from .config import experiment_from_dict
from .jobs import LOCKED_ELSEWHERE, run_job
from .results import RunLocked


def main() -> None:
    method, seed = sys.argv[1], int(sys.argv[2])
    exp = experiment_from_dict(json.loads(sys.stdin.read()))
    try:
        run_job(exp, method, seed, verbose=True)
    except RunLocked as err:  # another process computes this run (two chapters' computations overlap)
        print(err, flush=True)
        raise SystemExit(LOCKED_ELSEWHERE)


if __name__ == "__main__":
    main()
