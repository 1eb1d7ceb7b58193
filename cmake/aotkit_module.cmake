# cmake/aotkit_module.cmake — aotkit_add_module(): the one place that declares a component module target.
# Each component is a named module, its own static library `aotkit_<name>` with alias `aotkit::<name>`.
include_guard(GLOBAL)

set_property(GLOBAL PROPERTY AOTKIT_COMPONENTS "")

# aotkit_add_module(<name> INTERFACE <units...> [SOURCES <impl units...>] [DEPENDS <targets...>]
#                   [PRIVATE_DEPENDS <targets...>] [HEADERS <plain headers under include/>])
function(aotkit_add_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "INTERFACE;SOURCES;DEPENDS;PRIVATE_DEPENDS;HEADERS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "aotkit_add_module(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_INTERFACE)
    message(FATAL_ERROR "aotkit_add_module(${name}): INTERFACE units are required")
  endif()
  set(target aotkit_${name})
  add_library(${target} STATIC)
  add_library(aotkit::${name} ALIAS ${target})
  # Every partition, interface or internal, must be in the CXX_MODULES file set (CMake rejects a
  # partition outside it: "provides the module but it is not found in a FILE_SET of type CXX_MODULES").
  target_sources(${target} PUBLIC FILE_SET CXX_MODULES BASE_DIRS ${PROJECT_SOURCE_DIR}/modules
                 FILES ${arg_INTERFACE})
  if(arg_HEADERS)
    target_sources(${target} PUBLIC FILE_SET HEADERS BASE_DIRS ${PROJECT_SOURCE_DIR}/include
                   FILES ${arg_HEADERS})
  endif()
  if(arg_SOURCES)
    target_sources(${target} PRIVATE ${arg_SOURCES})
  endif()
  target_compile_features(${target} PUBLIC cxx_std_20)
  # Units share a few plain headers kept next to the modules. Build-tree only: CMake hands a
  # target's include directories to consumers that compile its installed interface units, and an
  # installed package must not name this source tree (interface units include their headers by a
  # relative path instead, and those headers are installed beside them: install_rules.cmake).
  target_include_directories(${target} PRIVATE $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/modules>)
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:Clang>:-Wall -Wextra -Wpedantic>)
  target_link_libraries(${target} PUBLIC ${arg_DEPENDS} PRIVATE ${arg_PRIVATE_DEPENDS})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  set_property(GLOBAL APPEND PROPERTY AOTKIT_COMPONENTS ${target})
endfunction()
