# Audio front end and GSC data subcommands (issue 3).
target_sources(sparselab-cli PRIVATE ${CMAKE_CURRENT_LIST_DIR}/cmd_features.cpp)
