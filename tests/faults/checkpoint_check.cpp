// checkpoint_check FILE: loads a training checkpoint exactly as `sparselab-cli train --resume`
// does (train::loadCheckpoint) and prints "next_epoch <n> entries <m> values <v>"; exit 1 with the
// loader's message when the file is missing, truncated or not a checkpoint. Used by
// train_kill_test.py (label `faults`) after every SIGKILL.
#include <cstdio>
#include <exception>

#include "core/train/checkpoint.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: checkpoint_check FILE\n");
        return 2;
    }
    try {
        const sparselab::train::StateMap state = sparselab::train::loadCheckpoint(argv[1]);
        const auto it = state.find("trainer.next_epoch");
        if (it == state.end() || it->second.size() != 1) {
            std::fprintf(stderr, "checkpoint_check: %s has no trainer.next_epoch\n", argv[1]);
            return 1;
        }
        size_t values = 0;
        for (const auto& [name, v] : state) values += v.size();
        std::printf("next_epoch %d entries %zu values %zu\n", static_cast<int>(it->second[0]),
                    state.size(), values);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "checkpoint_check: %s\n", e.what());
        return 1;
    }
}
