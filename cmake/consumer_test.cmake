# cmake/consumer_test.cmake — ctest body: install this build into a fresh prefix, then configure
# and build examples/all (every example, one project) against it as a separate project would.
# Called with -DBUILD_DIR= -DSOURCE_DIR= -DWORK= -DCXX= -DCXX_FLAGS= -DGENERATOR= [-DLINKER_TYPE=]; the examples'
# executables are left in ${WORK}/build/<example>/ for the tests that run them. The package must not
# point back into this source tree (checked before building).
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/all -B ${WORK}/build -G ${GENERATOR}
                        -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" -DCMAKE_BUILD_TYPE=Debug
                        -DCMAKE_PREFIX_PATH=${WORK}/prefix "-DCMAKE_LINKER_TYPE=${LINKER_TYPE}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring examples/all against the installed package failed (${rc})")
endif()
# The installed package stands alone: nothing the consumer compiles with (the installed interface
# units' include directories above all) may point back into this source tree's modules.
file(READ ${WORK}/build/build.ninja ninja)
string(FIND "${ninja}" "${SOURCE_DIR}/modules" at)
if(NOT at EQUAL -1)
  string(SUBSTRING "${ninja}" ${at} 120 excerpt)
  message(FATAL_ERROR "the installed package refers to the source tree: ${excerpt}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK}/build RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building examples/all failed (${rc})")
endif()
