# Run by cmake --install (see install.cmake): writes mpsctp.pc for the prefix being
# installed to and installs it into <libdir>/pkgconfig. DESTDIR is honoured by
# file(INSTALL); the paths in the file are those without it, where the tree will live.
set(prefix "${CMAKE_INSTALL_PREFIX}")
foreach(d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${MPSCTP_${d}}")
    set(pc_${d} "${MPSCTP_${d}}")
  else()
    set(pc_${d} "\${prefix}/${MPSCTP_${d}}")
  endif()
endforeach()
string(REPLACE "\${prefix}" "${prefix}" pc_dest "${pc_LIBDIR}/pkgconfig")
# One file per prefix, so that installs to two prefixes at once do not share it.
string(MD5 tag "${prefix}")
set(pc_file "${MPSCTP_PC_WORKDIR}/${tag}/mpsctp.pc")
configure_file("${MPSCTP_PC_IN}" "${pc_file}" @ONLY)
file(INSTALL DESTINATION "${pc_dest}" TYPE FILE FILES "${pc_file}")
