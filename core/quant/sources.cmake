# core/quant: int8 quantisation of a model and the CPU int8 reference forward pass that the FPGA
# kernels (fpga/hls) must match bit-exactly.
target_sources(sparselab_core PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/fixed_point.cpp
    ${CMAKE_CURRENT_LIST_DIR}/quantized_model.cpp
    ${CMAKE_CURRENT_LIST_DIR}/int8_reference.cpp
)
