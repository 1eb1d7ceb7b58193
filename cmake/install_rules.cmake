# cmake/install_rules.cmake — `cmake --install` ships the module interface units, the plain headers,
# the static libraries and a CMake package: find_package(aotkit CONFIG REQUIRED) → aotkit::aotkit.
include(CMakePackageConfigHelpers)

set(AOTKIT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/aotkit)
get_property(components GLOBAL PROPERTY AOTKIT_COMPONENTS)

# Consumers build their own BMIs from the installed interface units (BMIs are compiler- and
# flag-specific), so the sources are what ships, not the BMIs.
install(TARGETS ${components} aotkit_umbrella
        EXPORT aotkitTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        FILE_SET CXX_MODULES DESTINATION ${AOTKIT_INSTALL_CMAKEDIR}/modules
        FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The plain headers interface units include ("../runtime/x.hpp"), beside the installed units.
install(FILES ${PROJECT_SOURCE_DIR}/modules/runtime/json_scan.hpp ${PROJECT_SOURCE_DIR}/modules/runtime/flat_table.hpp
        DESTINATION ${AOTKIT_INSTALL_CMAKEDIR}/modules/runtime)
install(EXPORT aotkitTargets NAMESPACE aotkit:: DESTINATION ${AOTKIT_INSTALL_CMAKEDIR}
        CXX_MODULES_DIRECTORY cxx-modules)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/aotkitConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/aotkitConfig.cmake
                              INSTALL_DESTINATION ${AOTKIT_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/aotkitConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/aotkitConfig.cmake ${PROJECT_BINARY_DIR}/aotkitConfigVersion.cmake
        DESTINATION ${AOTKIT_INSTALL_CMAKEDIR})
if(TARGET aotkit_tool)
  install(TARGETS aotkit_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# the bundled artifacts (fx-json graphs, a treespec): share/aotkit
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/ DESTINATION ${CMAKE_INSTALL_DATADIR}/aotkit)
