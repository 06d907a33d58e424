// The cpu-sparse kernels compiled for the generic instruction set (flags in sources.cmake).
#define SPARSELAB_KERNEL_NS kernels_generic
#define SPARSELAB_KERNEL_ISA "generic"
#include "sparse_kernels_impl.h"
