// The cpu-sparse kernels compiled for the avx2 instruction set (flags in sources.cmake).
#define SPARSELAB_KERNEL_NS kernels_avx2
#define SPARSELAB_KERNEL_ISA "avx2"
#include "sparse_kernels_impl.h"
