#!/usr/bin/env bash
# The CuPy backend on a real NVIDIA GPU, in one run of under 8 minutes.
#
#   bash benchmarks/gpu_check.sh            # writes $OUT/gpu_check.log (or benchmarks/gpu_check.log)
#
# For a machine where CuPy and a CUDA build of PyTorch are already installed and
# nothing can be downloaded: it runs the project from the checkout (PYTHONPATH=.),
# never `pip install`. Steps, each with its own time limit so one hang costs only
# its share:
#   1. what is there: the GPU, CuPy, PyTorch;
#   2. the gpu-marked tests (tests/test_gpu.py);
#   3. one DCGAN on CuPy against the same DCGAN on NumPy, same weights, batches and
#      noise, 20 steps: the losses agree to float32 rounding (benchmarks/gpu_compare.py);
#   4. `python -m minigan.train --model dcgan --backend cupy` for 300 iterations, timed;
#   5. bench_train.py --backend cupy against PyTorch on CUDA (dcgan, wgan-gp, gan;
#      dcgan also at batch 512).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=. MINIGAN_OFFLINE=1
out_dir=${OUT:-benchmarks}
log="$out_dir/gpu_check.log"
mkdir -p "$out_dir"
: > "$log"
step() {                      # step NAME SECONDS COMMAND...: run, log, keep going
    local name=$1 limit=$2; shift 2
    echo "=== $name ($(date -u +%H:%M:%S), limit ${limit}s): $*" | tee -a "$log"
    local t0=$SECONDS
    timeout "$limit" "$@" >> "$log" 2>&1
    local rc=$?
    echo "=== $name: exit $rc after $((SECONDS - t0)) s" | tee -a "$log"
}
step "machine" 30 bash -c 'date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv;
  python -c "import cupy, numpy; print(\"cupy\", cupy.__version__, \"numpy\", numpy.__version__,
  \"cuda runtime\", cupy.cuda.runtime.runtimeGetVersion())";
  python -c "import torch; print(\"torch\", torch.__version__, torch.cuda.is_available())"'
step "gpu tests" 110 python -m pytest -q -m gpu tests/test_gpu.py -p no:cacheprovider
step "cupy vs numpy" 80 python benchmarks/gpu_compare.py --backend cupy --against numpy --steps 20
step "dcgan 300 iterations on cupy" 110 python -m minigan.train --model dcgan --backend cupy \
    --iterations 300 --no-progress --out "$out_dir/gpu-dcgan"
step "bench_train cupy" 140 python benchmarks/bench_train.py --backend cupy --threads 1 \
    --rows 0 1 3 --rounds 3 --no-memory --scaling-batches 64 512 --json "$out_dir/gpu_bench.json"
echo "log: $log"
