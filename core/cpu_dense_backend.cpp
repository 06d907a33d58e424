#include "cpu_dense_backend.h"

#include "dense_ops.h"
#include "error.h"
#include "sequential_executor.h"

namespace sparselab {

namespace {

class DenseExecutor final : public SequentialExecutor {
  public:
    using SequentialExecutor::SequentialExecutor;

  protected:
    void runLayer(int index, const Tensor& in, Tensor& out) const override {
        dense::runLayer(model().layers[static_cast<size_t>(index)], in, out);
    }
};

}  // namespace

std::unique_ptr<Executor> CpuDenseBackend::prepare(ModelPtr model,
                                                   const PrepareOptions& options) const {
    if (!model) throw Error("cpu-dense: no model to prepare");
    if (options.mode && *options.mode != ExecutionMode::Dense)
        throw Error("cpu-dense runs only mode 'dense', not '" +
                    std::string(toString(*options.mode)) + "' (use --backend cpu-sparse)");
    model->validate();
    return std::make_unique<DenseExecutor>(std::move(model), ExecutionMode::Dense, options.threads);
}

}  // namespace sparselab
