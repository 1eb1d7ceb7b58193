// tests/catch_main.cpp — Catch2's main(), compiled once for every test and property executable.
// Kept alone in its own library because it is the slowest unit of the tree to compile.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
