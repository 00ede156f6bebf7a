# Writes the linker version script of libmpsctp.so: every function declared in the
# public headers is global, everything else (codec_*, assoc_*, net_*, mpsctp_pcap_*...)
# is local. Run at build time so that a function added to a header is exported by the
# next build without anyone editing a list.
#   cmake -DOUT=<file> -DHEADERS=<h1;h2...> -P symbols.cmake
if(NOT OUT OR NOT HEADERS)
  message(FATAL_ERROR "usage: cmake -DOUT=<map> -DHEADERS=<headers> -P symbols.cmake")
endif()

set(names "")
foreach(h IN LISTS HEADERS)
  file(READ "${h}" text)
  # Comments and preprocessor lines name functions too ("mpsctp_socket() uses..."):
  # drop them, then a name followed by "(" is a declaration.
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " text "${text}")
  string(REGEX REPLACE "//[^\n]*" " " text "${text}")
  string(REGEX REPLACE "(^|\n)[ \t]*#[^\n]*" "\n" text "${text}")
  string(REGEX MATCHALL "mpsctp_[A-Za-z0-9_]+[ \t\r\n]*\\(" decls "${text}")
  foreach(d IN LISTS decls)
    string(REGEX REPLACE "[ \t\r\n]*\\($" "" d "${d}")
    list(APPEND names "${d}")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
if(NOT names)
  message(FATAL_ERROR "symbols.cmake: no mpsctp_* function found in ${HEADERS}")
endif()

set(map "/* Generated from the public headers by lib/mpsctp/symbols.cmake. */\n{\n  global:\n")
foreach(n IN LISTS names)
  string(APPEND map "    ${n};\n")
endforeach()
string(APPEND map "  local:\n    *;\n};\n")
file(WRITE "${OUT}" "${map}")
