# cmake/fuzz_smoke.cmake — ctest body of a fuzz target: replay committed inputs, then run new ones.
# Called with -DFUZZER= -DWORK= -DCORPUS= -DREGRESSIONS= -DRUNS= -DMAX_LEN=.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/new)
set(dirs ${WORK}/new)
foreach(d ${CORPUS} ${REGRESSIONS})
  if(IS_DIRECTORY ${d})
    list(APPEND dirs ${d})
  endif()
endforeach()
# The first directory receives new inputs (libFuzzer's convention; the plain driver ignores it).
execute_process(COMMAND ${FUZZER} -runs=${RUNS} -seed=1 -max_len=${MAX_LEN} -timeout=20 -rss_limit_mb=4096
                        -artifact_prefix=${WORK}/ -print_final_stats=1 ${dirs}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz target ${FUZZER} failed (exit ${rc}); artifacts in ${WORK}")
endif()
