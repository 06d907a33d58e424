// The app's model-swap pattern under load (label `faults`; also run by scripts/tsan.sh): an
// inference thread keeps classifying with whatever model is current while another thread moves
// the sparsity "sliders", building derived models and swapping a shared_ptr<const Model>. The
// worker must never see a half-built model: every output must equal a single-threaded run of
// the model the worker actually used, whichever it was.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/backend.h"
#include "core/gsc_presets.h"
#include "core/sparse/pruning.h"

using namespace sparselab;

namespace {

ModelPtr smallModel() {
    GscConfig c = GscConfig::preset("sparse");
    c.conv1Channels = 8;
    c.conv2Channels = 8;
    c.linearUnits = 32;
    c.conv1K = 400;
    c.conv2K = 60;
    c.linearK = 8;
    return std::make_shared<const Model>(buildGscModel(c, 3));
}

Tensor fixedInput() {
    Tensor x({1, 32, 32});
    for (int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 13) % 17) / 17.0f;
    return x;
}

}  // namespace

TEST(ModelSwap, WorkerAlwaysSeesAWholeModel) {
    const BackendRegistry registry = BackendRegistry::withCpuBackends();
    const ModelPtr base = smallModel();
    std::atomic<ModelPtr> current{base};  // the worker loads, the slider thread stores
    std::atomic<bool> stop{false};
    std::atomic<int> runsDone{0};
    std::mutex seenMutex;
    struct Seen {
        const Backend* backend;
        ModelPtr model;
        Tensor output;
    };
    std::map<std::pair<const Backend*, const Model*>, Seen> seen;  // output the worker saw

    std::thread worker([&] {
        const Tensor input = fixedInput();
        for (const Backend* backend : registry.all()) {
            int runs = 0;
            while (!stop.load() || runs < 20) {
                const ModelPtr model = current.load();
                PrepareOptions options;
                options.mode = backend->modes().back();
                Tensor out = backend->prepare(model, options)->run(input);
                std::lock_guard lock(seenMutex);
                seen.emplace(std::make_pair(backend, model.get()),
                             Seen{backend, model, std::move(out)});
                runsDone.fetch_add(1);
                if (++runs > 400) break;
            }
        }
    });
    for (int step = 0; step < 60; ++step) {  // the sliders move
        WeightPruning pruning;
        pruning.sparsity = 0.5 + 0.4 * (step % 10) / 10.0;
        ModelPtr next = pruneWeights(*base, pruning);
        ActivationSparsity activation;
        activation.density = 0.05 + 0.02 * (step % 7);
        next = setActivationSparsity(*next, activation);
        current.store(next);
        // Let the worker pick it up (usually mid-run of the previous one) before moving on.
        const int before = runsDone.load();
        for (int wait = 0; wait < 2000 && runsDone.load() < before + 1; ++wait)
            std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    stop = true;
    worker.join();

    EXPECT_GE(seen.size(), 30u) << "the worker saw too few of the 60 models";
    for (const auto& [key, s] : seen) {  // same backend, same mode, one thread, after the fact
        PrepareOptions options;
        options.mode = s.backend->modes().back();
        const Tensor expected = s.backend->prepare(s.model, options)->run(fixedInput());
        ASSERT_EQ(expected.shape(), s.output.shape());
        for (int64_t i = 0; i < expected.size(); ++i)
            ASSERT_EQ(s.output[i], expected[i]) << s.backend->name() << " output " << i;
    }
}
