# Streaming keyword detection (issue 7): sliding-window detector, command recognizer and a
# stateful resampler. No PortAudio here; live capture is the separate sparselab::capture target.
target_sources(sparselab_core PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/command_recognizer.cpp
    ${CMAKE_CURRENT_LIST_DIR}/stream_resampler.cpp
    ${CMAKE_CURRENT_LIST_DIR}/streaming_detector.cpp
)
