# The cpu-sparse backend: sparse weight formats, k-winners selection, kernels per ISA (chosen at
# run time, so the binary never requires AVX-512), pruning and activation-sparsity changes.
target_sources(sparselab_core PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/kwinners_select.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sparse_formats.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sparse_kernels.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sparse_kernels_generic.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sparse_kernels_avx2.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sparse_kernels_avx512.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sparse_executor.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cpu_sparse_backend.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pruning.cpp
)
# Per-ISA kernel objects: the last -march on the command line wins over SPARSELAB_ARCH.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/sparse_kernels_generic.cpp
    PROPERTIES COMPILE_OPTIONS "-march=x86-64;-mtune=generic;-O3;-Wno-psabi")
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/sparse_kernels_avx2.cpp
    PROPERTIES COMPILE_OPTIONS "-march=x86-64-v3;-O3;-Wno-psabi")
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/sparse_kernels_avx512.cpp
    PROPERTIES COMPILE_OPTIONS "-march=x86-64-v4;-mprefer-vector-width=512;-O3")
