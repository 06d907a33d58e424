#pragma once

#include <memory>

#include "backend.h"

namespace sparselab {

class WorkerPool;

/// Runs a model's layers one after another on a batch. Batches larger than one are split over
/// `threads` workers (when no tap is set) of a pool that lives as long as the executor, so no
/// thread is started per run; subclasses decide how each layer is computed.
class SequentialExecutor : public Executor {
  public:
    SequentialExecutor(ModelPtr model, ExecutionMode mode, int threads);
    ~SequentialExecutor() override;

    Tensor run(const Tensor& input, const ActivationTap& tap = {}) override;
    ExecutionMode mode() const override { return m_mode; }
    const Model& model() const override { return *m_model; }

  protected:
    /// Computes layer `index` on a batch [n, ...]. Called concurrently from several threads
    /// with distinct tensors, so it must not mutate shared state.
    virtual void runLayer(int index, const Tensor& in, Tensor& out) const = 0;

  private:
    Tensor runSlice(Tensor input, const ActivationTap& tap) const;

    ModelPtr m_model;
    ExecutionMode m_mode;
    int m_threads;
    std::unique_ptr<WorkerPool> m_pool;  ///< created on the first batch run with threads > 1
};

/// Checks that `input` is one sample or a batch for `model` and returns it as a batch [N, ...].
/// Throws Error naming the expected and actual shapes.
Tensor asBatch(const Model& model, const Tensor& input);

}  // namespace sparselab
