// The cpu-sparse kernels compiled for the avx512 instruction set (flags in sources.cmake).
#define SPARSELAB_KERNEL_NS kernels_avx512
#define SPARSELAB_KERNEL_ISA "avx512"
#include "sparse_kernels_impl.h"
