#!/usr/bin/env bash
# The GPU check (≤ 8 minutes on one GPU): the sampling and training benchmarks at full width, then a paper-
# preset classification run of 1 seed and 2 cycles with reduced epochs on Fashion-MNIST.
#   bash bench/gpu_check.sh [OUT_DIR]     (the device tool: carry .venv and data/fashion-mnist)
# Fashion-MNIST is read from data/fashion-mnist when present (copy /usr/share/datasets/fashion-mnist there
# to carry it to a machine without internet), else from the usual places.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-/tmp/gpu_check}}
mkdir -p "$out"
py=${PYTHON:-.venv/bin/python}
root=$([ -d data/fashion-mnist ] && echo data || echo "")
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$out/gpu.txt"
timeout 200 "$py" -m bench.sampling --repeats 3 | tee "$out/sampling.txt"
timeout 100 "$py" -m bench.train | tee "$out/train.txt"
# the paper preset on Fashion-MNIST: full-width VGG16, Adam 5e-4, its budget rule; only the length is cut
timeout 150 "$py" - "$out" "$root" <<'PY' | tee "$out/paper_run.txt"
import sys, time
from vaal_core import config, jobs
out, root = sys.argv[1], sys.argv[2] or None
exp = config.resolve("classification", "paper", dataset="fashion_mnist", seeds=[0], data_root=root,
                     methods=["vaal", "random"], results_dir=out + "/results",
                     overrides={"task": {"epochs": 3}, "vaal": {"passes": 1}, "loop": {"final_fraction": 0.15}})
t0 = time.perf_counter()
rows = jobs.run_experiment(exp, upper_bound=False)
print(rows[rows.metric.isin(["accuracy", "sampler/disc_auc"])][["method", "cycle", "metric", "value", "wall_s"]])
print(f"paper preset, 1 seed, 2 cycles: {time.perf_counter() - t0:.0f} s")
PY
