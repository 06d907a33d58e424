# GSC data: label schemes and the Google Speech Commands folder loader.
target_sources(sparselab_core PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/label_scheme.cpp
    ${CMAKE_CURRENT_LIST_DIR}/gsc_dataset.cpp
)
