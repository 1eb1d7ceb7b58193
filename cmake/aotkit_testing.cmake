# cmake/aotkit_testing.cmake — test registration: Catch2 unit tests, rapidcheck properties, fuzz targets.
# One ctest entry per TEST_CASE (labels unit/prop); one per fuzz target (label fuzz).
include_guard(GLOBAL)

if(AOTKIT_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  find_package(rapidcheck CONFIG REQUIRED)
  include(Catch)
  # Catch2 v2's CATCH_CONFIG_MAIN unit is the slowest file of the tree: build it once, unoptimised.
  add_library(aotkit_catch_main STATIC ${PROJECT_SOURCE_DIR}/tests/catch_main.cpp)
  target_link_libraries(aotkit_catch_main PUBLIC Catch2::Catch2)
  target_compile_options(aotkit_catch_main PRIVATE -O0 -g0)
  set_target_properties(aotkit_catch_main PROPERTIES CXX_SCAN_FOR_MODULES OFF)
endif()

# Test and property code is compiled at -O0 in a Debug build even where the library is optimised
# (the asan preset's -O1, which keeps the sanitized library fast): at -O1 under ASan and UBSan each
# of these files took twice as long to compile (write.test.cpp: 25.6 s against 12.6 s). Not the
# runtime and pytree unit tests, nor the fuzz harnesses: they run the modules' templates, which are
# compiled in their own files, over million-deep values or for a fixed number of runs (at -O0 they
# took 3-4 times as long).
set(aotkit_test_code_options $<$<CONFIG:Debug>:-O0>)

# aotkit_add_tests(<component> <sources...>): tests/<component>/*.test.cpp → aotkit_<component>_tests.
function(aotkit_add_tests component)
  set(exe aotkit_${component}_tests)
  add_executable(${exe} ${ARGN})
  target_link_libraries(${exe} PRIVATE aotkit::${component} aotkit_catch_main)
  target_compile_options(${exe} PRIVATE -Wall -Wextra)
  if(NOT component MATCHES "^(runtime|pytree)$")
    target_compile_options(${exe} PRIVATE ${aotkit_test_code_options})
  endif()
  catch_discover_tests(${exe} TEST_PREFIX "unit:${component}:" PROPERTIES LABELS unit
                       WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()

# aotkit_add_props(<component> <sources...>): props/<component>/*.prop.cpp → aotkit_<component>_props.
function(aotkit_add_props component)
  set(exe aotkit_${component}_props)
  add_executable(${exe} ${ARGN})
  target_link_libraries(${exe} PRIVATE aotkit::${component} aotkit_catch_main rapidcheck rapidcheck_catch)
  target_compile_options(${exe} PRIVATE -Wall -Wextra ${aotkit_test_code_options})
  catch_discover_tests(${exe} TEST_PREFIX "prop:${component}:" PROPERTIES LABELS prop
                       WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()

# aotkit_add_fuzzer(<name> SOURCES <...> DEPENDS <...> [RUNS n] [MAX_LEN n]): executable fuzz_<name>,
# corpus fuzz/corpus/<name>/, regressions fuzz/regressions/<name>/, ctest entry fuzz:<name>.
# With AOTKIT_BUILD_FUZZERS the target links libFuzzer; otherwise it links fuzz/driver.cpp, a plain
# driver that replays the corpus and then runs deterministic mutations, so corpora never rot.
# Either way the ctest entry replays fuzz/corpus/<target>/ and fuzz/regressions/<target>/, then
# runs RUNS new inputs; new inputs go to the build tree, never into the committed corpus.
set(AOTKIT_FUZZ_RUNS 20000 CACHE STRING "New inputs each fuzz smoke test runs after replaying its corpus")
function(aotkit_add_fuzzer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "RUNS;MAX_LEN" "SOURCES;DEPENDS")
  if(NOT arg_RUNS)
    set(arg_RUNS ${AOTKIT_FUZZ_RUNS})
  endif()
  if(NOT arg_MAX_LEN)
    set(arg_MAX_LEN 4096)
  endif()
  set(exe fuzz_${name})
  add_executable(${exe} ${arg_SOURCES})
  target_link_libraries(${exe} PRIVATE ${arg_DEPENDS})
  if(AOTKIT_BUILD_FUZZERS AND AOTKIT_LIB_FUZZING_ENGINE)
    # OSS-Fuzz / ClusterFuzzLite hand the engine in as link flags ($LIB_FUZZING_ENGINE)
    separate_arguments(engine UNIX_COMMAND "${AOTKIT_LIB_FUZZING_ENGINE}")
    target_link_options(${exe} PRIVATE ${engine})
  elseif(AOTKIT_BUILD_FUZZERS)
    target_link_options(${exe} PRIVATE -fsanitize=fuzzer)
  else()
    target_sources(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz/driver.cpp)
  endif()
  set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
  set(regressions ${PROJECT_SOURCE_DIR}/fuzz/regressions/${name})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-work/${name})
  add_test(NAME fuzz:${name}
           COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:${exe}> -DWORK=${work}
                   -DCORPUS=${corpus} -DREGRESSIONS=${regressions} -DRUNS=${arg_RUNS} -DMAX_LEN=${arg_MAX_LEN}
                   -P ${PROJECT_SOURCE_DIR}/cmake/fuzz_smoke.cmake)
  set_tests_properties(fuzz:${name} PROPERTIES LABELS fuzz)
  set_property(GLOBAL APPEND PROPERTY AOTKIT_FUZZERS ${exe})
endfunction()
