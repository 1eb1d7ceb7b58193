#!/usr/bin/env bash
# tools/coverage.sh — clang source-based coverage of modules/: builds the `coverage` preset, runs the
# unit, property, tool and corpus-replay suites, prints per-module line/branch coverage and writes
# an HTML report to build/coverage/html. Targets: >= 90% lines and >= 80% branches in modules/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cov=build/coverage
profdata=llvm-profdata-19
llvmcov=llvm-cov-19

cmake --preset coverage >/dev/null
cmake --build --preset coverage
rm -rf "$cov/profiles" && mkdir -p "$cov/profiles"
# the suites (benchmarks and the GPU check excluded); a failing test fails the report
ctest --preset coverage -LE 'gpu|bench|example' >"$cov/ctest.log" 2>&1 || { tail -30 "$cov/ctest.log"; exit 1; }
"$profdata" merge -sparse "$cov"/profiles/*.profraw -o "$cov/merged.profdata"

# every executable the suites ran
objects=()
while IFS= read -r exe; do objects+=(-object "$exe"); done < <(find "$cov" -type f -perm -u+x \
  \( -name 'aotkit_*_tests' -o -name 'aotkit_*_props' -o -name 'fuzz_*' -o -name aotkit -o -name 'aotkit_random_gpu_test' \) | sort)
first=${objects[1]}
rest=("${objects[@]:2}")

printf '%-12s %10s %10s\n' module lines branches
for m in "$root"/modules/*/; do
  name=$(basename "$m")
  total=$("$llvmcov" report "$first" "${rest[@]}" -instr-profile="$cov/merged.profdata" "$m" 2>/dev/null | awk '/^TOTAL/ {print $10, $13}')
  read -r lines branches <<<"$total"
  printf '%-12s %10s %10s\n' "$name" "${lines:-n/a}" "${branches:-n/a}"
done
all=$("$llvmcov" report "$first" "${rest[@]}" -instr-profile="$cov/merged.profdata" "$root/modules" 2>/dev/null | awk '/^TOTAL/ {print $10, $13}')
read -r lines branches <<<"$all"
printf '%-12s %10s %10s\n' TOTAL "$lines" "$branches"
"$llvmcov" show "$first" "${rest[@]}" -instr-profile="$cov/merged.profdata" -format=html -output-dir="$cov/html" \
  -show-branches=count "$root/modules" >/dev/null 2>&1
echo "HTML report: $cov/html/index.html"
