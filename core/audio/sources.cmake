# Audio front end: file decoding, resampling, Numenta's log-mel features, batch extraction.
target_sources(sparselab_core PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/audio_file.cpp
    ${CMAKE_CURRENT_LIST_DIR}/audio_ops.cpp
    ${CMAKE_CURRENT_LIST_DIR}/log_mel.cpp
    ${CMAKE_CURRENT_LIST_DIR}/feature_batch.cpp
)
