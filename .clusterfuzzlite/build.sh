#!/bin/bash -eu
# .clusterfuzzlite/build.sh — builds every fuzz/*.fuzz.cpp target with the engine and sanitizers
# OSS-Fuzz / ClusterFuzzLite choose ($CC, $CXX, $CFLAGS, $CXXFLAGS, $LIB_FUZZING_ENGINE) and puts
# them in $OUT with <target>_seed_corpus.zip and <target>.dict.
cd "${SRC:-$(pwd)/..}/aotkit" 2>/dev/null || cd "$(dirname "$0")/.."
build=${WORK:-/tmp}/aotkit-cfl-build
cmake -S . -B "$build" -G Ninja \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAOTKIT_BUILD_FUZZERS=ON -DAOTKIT_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DAOTKIT_BUILD_TESTS=OFF -DAOTKIT_BUILD_TOOLS=OFF -DAOTKIT_ENABLE_CUDA=OFF
cmake --build "$build"
for src in fuzz/*.fuzz.cpp; do
  name=$(basename "$src" .fuzz.cpp)
  cp "$build/fuzz/fuzz_$name" "$OUT/$name"
  if [ -d "fuzz/corpus/$name" ] || [ -d "fuzz/regressions/$name" ]; then
    (cd fuzz && zip -q -j "$OUT/${name}_seed_corpus.zip" corpus/"$name"/* regressions/"$name"/* 2>/dev/null || true)
  fi
  if [ -f "fuzz/dict/$name.dict" ]; then cp "fuzz/dict/$name.dict" "$OUT/$name.dict"; fi
done
