#include "sequential_executor.h"

#include <algorithm>
#include <cstring>

#include "error.h"
#include "worker_pool.h"

namespace sparselab {

Tensor asBatch(const Model& model, const Tensor& input) {
    const Shape& want = model.inputShape;
    const Shape& got = input.shape();
    Tensor batch = input;
    if (got == want) {
        Shape s{1};
        s.insert(s.end(), want.begin(), want.end());
        batch.reshape(std::move(s));
        return batch;
    }
    if (got.size() == want.size() + 1 && std::equal(want.begin(), want.end(), got.begin() + 1) &&
        got[0] >= 1)
        return batch;
    throw Error("input of shape " + shapeToString(got) + " does not fit model '" + model.name +
                "', which expects " + shapeToString(want) + " or a batch Nx" + shapeToString(want));
}

SequentialExecutor::SequentialExecutor(ModelPtr model, ExecutionMode mode, int threads)
    : m_model(std::move(model)), m_mode(mode), m_threads(std::max(1, threads)) {}

SequentialExecutor::~SequentialExecutor() = default;

Tensor SequentialExecutor::runSlice(Tensor input, const ActivationTap& tap) const {
    Tensor a = std::move(input), b;
    for (size_t i = 0; i < m_model->layers.size(); ++i) {
        runLayer(static_cast<int>(i), a, b);
        std::swap(a, b);
        if (tap) tap(LayerOutput{static_cast<int>(i), &m_model->layers[i], &a});
    }
    return a;
}

Tensor SequentialExecutor::run(const Tensor& input, const ActivationTap& tap) {
    Tensor batch = asBatch(*m_model, input);
    const int64_t n = batch.dim(0);
    const int workers = static_cast<int>(std::min<int64_t>(m_threads, n));
    if (workers <= 1 || tap) return runSlice(std::move(batch), tap);

    // Split the batch into contiguous slices, one per worker, and stitch the outputs together.
    const int64_t sampleSize = batch.size() / n;
    std::vector<Tensor> slices, outputs(static_cast<size_t>(workers));
    int64_t begin = 0;
    for (int w = 0; w < workers; ++w) {
        const int64_t count = n / workers + (w < n % workers ? 1 : 0);
        Shape s = batch.shape();
        s[0] = count;
        Tensor slice(s);
        std::memcpy(slice.data(), batch.data() + begin * sampleSize,
                    static_cast<size_t>(count * sampleSize) * sizeof(float));
        begin += count;
        slices.push_back(std::move(slice));
    }
    if (!m_pool) m_pool = std::make_unique<WorkerPool>(m_threads);
    m_pool->run(workers, [&](int w) {
        outputs[static_cast<size_t>(w)] = runSlice(std::move(slices[static_cast<size_t>(w)]), {});
    });
    Shape outShape = outputs.front().shape();
    outShape[0] = n;
    Tensor out(outShape);
    int64_t offset = 0;
    for (const Tensor& part : outputs) {
        std::copy(part.data(), part.data() + part.size(), out.data() + offset);
        offset += part.size();
    }
    return out;
}

}  // namespace sparselab
