# Audio front end and GSC data subcommands (issue 3).
target_sources(sparselab-cli PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cmd_features.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cmd_eval.cpp)
# Sparse engine subcommands (issue 4).
target_sources(sparselab-cli PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cmd_bench.cpp
    ${CMAKE_CURRENT_LIST_DIR}/cmd_prune.cpp)
# CLI11 2.1's map-option conversion trips GCC 12's -Wmaybe-uninitialized (a false positive in
# /usr/include/CLI/TypeTools.hpp, not in our code).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cmd_prune.cpp PROPERTIES
    COMPILE_OPTIONS -Wno-maybe-uninitialized)
# Live microphone and streaming detection (issue 7).
target_sources(sparselab-cli PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cmd_listen.cpp)
target_link_libraries(sparselab-cli PRIVATE sparselab::capture)
# Trainer subcommand (issue 5).
target_sources(sparselab-cli PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cmd_train.cpp)
# FPGA tools (issue 9): estimate, check (links the HLS kernel's C-simulation), run, noop-xclbin.
target_sources(sparselab-cli PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cmd_fpga.cpp)
target_link_libraries(sparselab-cli PRIVATE sparselab::hls_csim)
