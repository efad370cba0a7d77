# Finds Debian's MLIR 22 and sets up TableGen + include paths. Included by every
# folder of the Kokkos compiler (dialect/, src/kokkos/, tools/); find_package is
# directory-scoped, so each one includes this file.
include_guard(DIRECTORY)
find_package(MLIR REQUIRED CONFIG HINTS /usr/lib/llvm-22/lib/cmake/mlir)
list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
set(MLIR_BINARY_DIR ${PROJECT_BINARY_DIR})
set(LLVM_RUNTIME_OUTPUT_INTDIR ${PROJECT_BINARY_DIR}/bin)
set(LLVM_LIBRARY_OUTPUT_INTDIR ${PROJECT_BINARY_DIR}/lib)
include(TableGen)
include(AddLLVM)
include(AddMLIR)
set(SITU_KOKKOS_INCLUDE ${PROJECT_SOURCE_DIR}/dialect/include ${PROJECT_BINARY_DIR}/dialect/include)
# MLIR's C API is shipped only as static archives whose own dependencies are the
# static MLIR libraries; linking those beside libMLIR.so would register every
# pass and option twice. Link the archives by path and resolve them against the
# shared libMLIR.so instead.
function(situ_mlir_capi_libs out)
  set(libs)
  foreach(n ${ARGN})
    list(APPEND libs ${LLVM_LIBRARY_DIR}/libMLIRCAPI${n}.a)
  endforeach()
  set(${out} ${libs} PARENT_SCOPE)
endfunction()
