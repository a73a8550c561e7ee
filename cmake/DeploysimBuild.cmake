# Project-wide compile settings: warnings for our own targets, sanitizers, and the build id
# that every trace header carries.

# -Wno-restrict: GCC 12 reports impossible overlapping memcpy sizes inside std::string's operator+
# at -O3 (a known false positive of that release).
set(DEPLOYSIM_WARNINGS -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)

if(DEPLOYSIM_SANITIZE)
  add_compile_options(-fsanitize=${DEPLOYSIM_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${DEPLOYSIM_SANITIZE})
endif()

# deploysim_target_defaults(target): warnings and include root for a target of ours.
function(deploysim_target_defaults target)
  target_compile_options(${target} PRIVATE ${DEPLOYSIM_WARNINGS})
endfunction()

# The build id: project version plus the git commit (with "-dirty" for local changes) when the
# source is a git checkout. Recomputed at configure time.
find_package(Git QUIET)
set(DEPLOYSIM_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS ${CMAKE_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --abbrev=12
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE DEPLOYSIM_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  if(NOT DEPLOYSIM_GIT_COMMIT)
    set(DEPLOYSIM_GIT_COMMIT "unknown")
  endif()
endif()
set(DEPLOYSIM_BUILD_ID "deploysim ${PROJECT_VERSION} (${DEPLOYSIM_GIT_COMMIT}, ${CMAKE_BUILD_TYPE})")

# deploysim_proto_library(target file.proto...): a static library of generated protobuf code.
# Call it from the top-level CMakeLists only: protobuf_generate names outputs relative to the
# calling folder, and generating from the root makes every message includable and importable by its
# path in the tree ("sim/kernel/trace.pb.h", import "sim/kernel/trace.proto").
function(deploysim_proto_library target)
  set(out ${PROJECT_BINARY_DIR}/generated)
  foreach(proto ${ARGN})
    get_filename_component(dir ${proto} DIRECTORY)
    file(MAKE_DIRECTORY ${out}/${dir})
  endforeach()
  add_library(${target} STATIC ${ARGN})
  protobuf_generate(TARGET ${target} LANGUAGE cpp PROTOC_OUT_DIR ${out})
  target_include_directories(${target} PUBLIC ${out})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
endfunction()
