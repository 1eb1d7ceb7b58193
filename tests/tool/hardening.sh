#!/bin/sh
# tests/tool/hardening.sh — the command-line regressions of issue 17's hostile-use report, one case
# per run: `hardening.sh TOOL CASE SOURCE_DIR WORK_DIR` exits 0 when the tool behaves.
set -u
tool=$1 case=$2 src=$3 work=$4/$2
rm -rf "$work" && mkdir -p "$work" || exit 1
cd "$work" || exit 1

fail() { echo "FAIL [$case]: $*" >&2; exit 1; }
# run ARGS...: runs the tool; sets rc, and out/err files
run() { "$tool" "$@" >out 2>err; rc=$?; }
expect_rc() { [ "$rc" -eq "$1" ] || { cat err >&2; fail "exit $rc, expected $1"; }; }
one_line() { [ "$(wc -l < err)" -eq 1 ] || { head -c 2000 err >&2; fail "stderr is not one line"; }; }
# deep N OPEN CLOSE INNER: INNER wrapped N times in OPEN ... CLOSE, one line
deep() { awk -v n="$1" -v o="$2" -v c="$3" -v x="$4" 'BEGIN { for (i = 0; i < n; i++) printf "%s", o; printf "%s", x; for (i = 0; i < n; i++) printf "%s", c; print "" }'; }

case $case in
  # H1: a leaf nested 100k deep was re-serialised recursively (stack overflow)
  unflatten-deep-leaf)
    printf '$' > spec
    { printf '['; deep 100000 '{"list": [' ']}' '{"int": 1}' | tr -d '\n'; printf ']\n'; } > deep.jsonl
    run pytree unflatten --spec spec deep.jsonl
    expect_rc 0
    head -c 20 out | grep -q '^{"list": \[{"list": ' || fail "unexpected output: $(head -c 80 out)"
    ;;
  # M1: a crafted data dir (a backward node's seq_nr with no forward node; an empty stack entry)
  demo-crafted-data)
    mkdir -p data/graphs
    cp "$src/data/treespec_detection_inputs.json" data/
    cp "$src/data/graphs/effects_print.json" data/graphs/
    cp "$src/tests/tool/data/evil_joint.json" data/graphs/aot_resnet18_joint.json
    run demo --data data
    expect_rc 0
    grep -q "threshold_backward <- relu" out || fail "the matched pair is missing: $(cat out)"
    grep -q "convolution_backward <-" out && fail "an unmatched node was reported as a pair"
    run demo --data "$work/nonexistent"
    expect_rc 3
    grep -q "<stdin>" err && fail "names stdin: $(cat err)"
    grep -q "^aotkit: error: demo" err || fail "does not name the command: $(cat err)"
    ;;
  # M2: output lost to a full disk or a closed stdout was exit 0
  stdout-write-errors)
    [ -w /dev/full ] || exit 77
    "$tool" graph convert "$src/data/graphs/aot_mlp_fn_fw.json" > /dev/full 2>err; rc=$?
    expect_rc 4
    grep -q "aotkit: error: <stdout>: write failed" err || fail "no write error: $(cat err)"
    "$tool" random stream --count 100000 >&- 2>err; rc=$?
    expect_rc 4
    "$tool" --help > /dev/full 2>err; rc=$?
    expect_rc 4
    ;;
  # M3: curand-host past 2^64 printed zeros
  curand-host-offset-wrap)
    run random curand-host --offset 18446744073709551615 --count 8
    expect_rc 2
    grep -q "2^64" err || fail "$(cat err)"
    run random curand-host --offset 18446744073709551607 --count 8
    expect_rc 0
    [ "$(grep -c . out)" -eq 8 ] || fail "expected 8 values"
    ;;
  # M4: tiny inputs driving gigabytes: values are streamed, counts bounded before building anything
  bounded-memory)
    # 1 GB: the old code needed far more. A plain build runs under 1 GB of address space; a
    # sanitizer build reserves terabytes of shadow, so there ASan bounds the heap instead: one
    # allocation over 1 GB, or a resident set over 1 GB, ends the run with an error.
    if (ulimit -v 1000000 && "$tool" --version) >/dev/null 2>&1; then
      ulimit -v 1000000
    elif ASAN_OPTIONS=help=1 "$tool" --version 2>&1 | grep -q max_allocation_size_mb; then
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=1000:hard_rss_limit_mb=1000:allocator_may_return_null=0"
      export ASAN_OPTIONS
    else
      exit 77
    fi
    "$tool" random stream --count 4294967296 --dist uniform_double 2>err | head -c 100 > out
    grep -q . out || fail "no values streamed"
    "$tool" random curand-host --count 4294967296 2>err | head -c 100 > out
    grep -q . out || fail "no values streamed"
    run rewrite unlift-tokens --tokens 100000000 "$src/data/graphs/effects_print.json"
    expect_rc 3
    grep -q "more tokens than the graph has nodes" err || fail "$(cat err)"
    run rewrite unlift-tokens --tokens 18446744073709551615 "$src/data/graphs/effects_print.json"
    expect_rc 3
    run random torch --numel 2147483648 --dtype float64
    expect_rc 2
    ;;
  # M5: --numel 0 --calls 2^64-1 spun forever
  bounded-calls)
    run random torch --numel 0 --calls 18446744073709551615
    expect_rc 2
    grep -q "at most 2^20 calls" err || fail "$(cat err)"
    ;;
  # L4: errors name the file they are about
  spec-file-named)
    printf '[[1]]\n' > in.jsonl
    run pytree unflatten --spec "$work/nonexistent" in.jsonl
    expect_rc 3
    grep -q "^aotkit: error: --spec $work/nonexistent: cannot open" err || fail "$(cat err)"
    printf '[1, {' > bad_spec
    run pytree unflatten --spec bad_spec in.jsonl
    expect_rc 3
    grep -q "^aotkit: error: --spec bad_spec: byte" err || fail "$(cat err)"
    ;;
  # L5: one line on stderr, however much the input held
  one-line-errors)
    run rewrite unlift-tokens --tokens 2 "$src/data/graphs/effects_print.json"
    expect_rc 3
    one_line
    awk 'BEGIN { printf "{\"int\": "; for (i = 0; i < 1000000; i++) printf "9"; print "}" }' > big.json
    run runtime repr big.json
    expect_rc 3
    one_line
    [ "$(wc -c < err)" -lt 1200 ] || fail "stderr holds $(wc -c < err) bytes"
    ;;
  # L6: options that do nothing are refused
  ignored-options)
    run rewrite unlift-tokens --tokens 1 --backward-tokens 1 "$src/data/graphs/effects_print.json"
    expect_rc 2
    run random torch --numel 4 --p 0.3
    expect_rc 2
    run random torch --numel 4 --dist dropout --dtype float64
    expect_rc 2
    run random torch --numel 4 --dist dropout --p 0.3
    expect_rc 0
    ;;
  # M8: repeated keys in a pytree-json line or a treespec
  duplicate-keys)
    printf '{"list": [{"int": 1}], "list": [{"int": 2}]}\n' > dup.jsonl
    run pytree flatten dup.jsonl
    expect_rc 3
    grep -q "duplicate key 'list'" err || fail "$(cat err)"
    printf '{"leaves": [{"int": 1}], "leaves": [], "spec": "$"}\n' > dup2.jsonl
    run pytree unflatten dup2.jsonl
    expect_rc 3
    grep -q "duplicate key 'leaves'" err || fail "$(cat err)"
    ;;
  *) fail "unknown case" ;;
esac
exit 0
