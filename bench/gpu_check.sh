#!/usr/bin/env bash
# bench/gpu_check.sh — the GPU check of aotkit.random in one run (< 5 minutes on an H100): the GPU
# test (device fills vs CPU fills vs cuRAND's device API) and the 1 GiB fill benchmark.
# Build where the toolchain is (`cmake --preset release && cmake --build --preset release
# --target aotkit_random_gpu_test`), then run this script on the GPU machine with build/release
# carried along; it builds first only when the binary is missing and a toolchain is present.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/tests/aotkit_random_gpu_test
if [[ ! -x $bin ]]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target aotkit_random_gpu_test
fi
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv,noheader 2>/dev/null || true
set +e
"$bin" --bench
rc=$?
set -e
case $rc in
  0) echo "gpu_check: PASS" ;;
  77) echo "gpu_check: SKIPPED (no GPU visible)" ;;
  *) echo "gpu_check: FAIL (exit $rc)" ;;
esac
exit $rc
