# Trainer (issue 5): backprop layers, optimisers, the training loop, checkpoints, augmentation.
target_sources(sparselab_core PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/parallel_for.cpp
    ${CMAKE_CURRENT_LIST_DIR}/train_conv2d.cpp
    ${CMAKE_CURRENT_LIST_DIR}/train_linear.cpp
    ${CMAKE_CURRENT_LIST_DIR}/train_batch_norm.cpp
    ${CMAKE_CURRENT_LIST_DIR}/train_simple_layers.cpp
    ${CMAKE_CURRENT_LIST_DIR}/train_kwinners.cpp
    ${CMAKE_CURRENT_LIST_DIR}/train_network.cpp
    ${CMAKE_CURRENT_LIST_DIR}/optimizer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp
    ${CMAKE_CURRENT_LIST_DIR}/feature_set.cpp
    ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp
)
