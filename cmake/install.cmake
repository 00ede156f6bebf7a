# Install rules (cmake --install <build> --prefix P, or make install PREFIX=P): the
# libraries of lib/mpsctp, the public headers, mpsctp-perf and mpsctp-sim, the man pages
# of man/, a pkg-config file and a CMake package (find_package(mpsctp) gives
# mpsctp::mpsctp and mpsctp::mpsctp_static). Included by the top CMakeLists.txt once every
# target exists. tests/install checks the installed tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MPSCTP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mpsctp)

install(TARGETS mpsctp mpsctp_static EXPORT mpsctpTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mpsctp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(TARGETS mpsctp-perf mpsctp-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

file(GLOB MPSCTP_MAN1 CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.1)
if(MPSCTP_MAN1)
  install(FILES ${MPSCTP_MAN1} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# CMake package: relocatable, the prefix is found from the config file's own place.
install(EXPORT mpsctpTargets NAMESPACE mpsctp:: DESTINATION ${MPSCTP_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/mpsctpConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mpsctpConfig.cmake INSTALL_DESTINATION ${MPSCTP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mpsctpConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mpsctpConfig.cmake
  ${PROJECT_BINARY_DIR}/mpsctpConfigVersion.cmake DESTINATION ${MPSCTP_CMAKE_DIR})

# mpsctp.pc names the prefix in absolute paths, and the prefix is only known when
# installing (--prefix overrides CMAKE_INSTALL_PREFIX): cmake/pkgconfig.cmake writes it then.
install(CODE "
  set(MPSCTP_PC_IN \"${CMAKE_CURRENT_LIST_DIR}/mpsctp.pc.in\")
  set(MPSCTP_PC_WORKDIR \"${PROJECT_BINARY_DIR}/pkgconfig\")
  set(MPSCTP_VERSION \"${PROJECT_VERSION}\")
  set(MPSCTP_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(MPSCTP_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  include(\"${CMAKE_CURRENT_LIST_DIR}/pkgconfig.cmake\")")
