"""Can pinned CPU kernels make committed runs reproduce across CPU kinds? ``python -m bench.pinning``.

PyTorch's CPU kernels pick their code by the processor: ATen's vectorised loops by its instruction set
(``ATEN_CPU_CAPABILITY``), oneDNN's convolutions by its ISA (``ONEDNN_MAX_CPU_ISA``), MKL's products by its
code path (``MKL_CBWR``, Intel's conditional numerical reproducibility). This script recomputes the first
cycle of one committed run (``--method``, seed 0, classification book preset) in fresh single-threaded
processes under each setting below and prints, per setting, the numerics fingerprint
(``runtime.numerics_fingerprint``), the task learner's and the linear model's accuracy, whether they equal
the committed row's to the last digit, and the CPU seconds against the unpinned run. Settings: this
machine's defaults, each pin alone, and all pins together at AVX2 — the level every x86-64 CPU of the last
decade has, so that two CPU kinds pinned there could run the same code. Writes
``results/tables/pinning/pinning.csv``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

OUT = Path("results/tables/pinning/pinning.csv")
SETTINGS = {
    "this machine's defaults": {},
    "ATEN_CPU_CAPABILITY=avx2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "ONEDNN_MAX_CPU_ISA=AVX2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
    "MKL_CBWR=AVX2": {"MKL_CBWR": "AVX2"},
    "all three at AVX2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"},
}

_CHILD = """
import json, time, tempfile, torch
torch.set_num_threads(1)
from vaal_core import loop, presets, runtime
from vaal_core.results import ResultsStore
exp = presets.resolve("classification", "book", methods=[{method!r}], seeds=[0],
                      overrides={{"results_dir": tempfile.mkdtemp()}})
prep = loop.prepare(exp)
t0 = time.process_time()
rows = loop.run_method(prep, {method!r}, 0, ResultsStore(exp.results_dir), verbose=False, stop_after=0)
cpu = time.process_time() - t0
r = rows.set_index("metric")["value"]
print(json.dumps({{"fingerprint": runtime.numerics_fingerprint(torch.device("cpu")), "accuracy": r["accuracy"],
                  "linear_accuracy": r["linear_accuracy"], "cpu_s": cpu}}))
"""


def run(method: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD.format(method=method)], capture_output=True, text=True,
                         env={**os.environ, "OMP_NUM_THREADS": "1", "VAAL_PROGRESS": "0", **env}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--method", default="random_regularised",
                    help="a committed classification run whose seed 0 carries a numerics fingerprint")
    args = ap.parse_args(argv)
    from vaal_core import catalog, keys
    from vaal_core.results import ResultsStore

    exp = catalog.chapter_experiment("classification")
    committed = ResultsStore("results").rows(keys.run_key(exp, args.method, 0)[0])
    c0 = committed[committed["cycle"] == 0].set_index("metric")
    ref = {"fingerprint": c0["numerics"].iloc[0], "accuracy": c0.loc["accuracy", "value"],
           "linear_accuracy": c0.loc["linear_accuracy", "value"]}
    print(f"committed ({c0['device'].iloc[0]}): fingerprint {ref['fingerprint']}, accuracy {ref['accuracy']:.4f}, "
          f"linear {ref['linear_accuracy']:.4f}", flush=True)
    rows, base = [], None
    for label, env in SETTINGS.items():
        r = run(args.method, env)
        base = base or r["cpu_s"]
        row = {"setting": label, **r, "same accuracy as committed": abs(r["accuracy"] - ref["accuracy"]) < 1e-6,
               "same linear as committed": abs(r["linear_accuracy"] - ref["linear_accuracy"]) < 1e-6,
               "accuracy − committed": r["accuracy"] - ref["accuracy"], "CPU time × defaults": r["cpu_s"] / base,
               "committed fingerprint": ref["fingerprint"]}
        rows.append(row)
        print(f"{label:<28} fingerprint {r['fingerprint']}  accuracy {r['accuracy']:.4f} "
              f"({r['accuracy'] - ref['accuracy']:+.4f})  linear {r['linear_accuracy']:.4f}  "
              f"{r['cpu_s'] / base:.2f}× CPU", flush=True)
    from vaal_core.results import atomic_write_text

    atomic_write_text(OUT, pd.DataFrame(rows).to_csv(index=False))


if __name__ == "__main__":
    main()
