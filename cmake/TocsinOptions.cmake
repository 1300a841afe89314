# Compiler flags for Tocsin's own targets. Third-party headers come in as
# SYSTEM includes through their imported targets, so -Werror judges our code.

add_library(tocsin_build_flags INTERFACE)
target_compile_options(tocsin_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-qual -Wformat=2 -Werror
  -fstack-protector-strong -fstack-clash-protection)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(tocsin_build_flags INTERFACE -fcf-protection)
endif()
target_compile_definitions(tocsin_build_flags INTERFACE
  $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2> _GLIBCXX_ASSERTIONS
  TOCSIN_VERSION="${PROJECT_VERSION}")
target_link_options(tocsin_build_flags INTERFACE
  -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)

if(TOCSIN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

if(TOCSIN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TOCSIN_FUZZ needs clang (CXX=clang++-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# tocsin_library(NAME SOURCES... [LINK targets...]) declares one module.
function(tocsin_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_LINK} PRIVATE tocsin_build_flags)
endfunction()
