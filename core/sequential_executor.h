#pragma once

#include "backend.h"

namespace sparselab {

/// Runs a model's layers one after another on a batch. Batches larger than one are split over
/// `threads` worker threads (when no tap is set); subclasses decide how each layer is computed.
class SequentialExecutor : public Executor {
  public:
    SequentialExecutor(ModelPtr model, ExecutionMode mode, int threads);

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
};

/// Checks that `input` is one sample or a batch for `model` and returns it as a batch [N, ...].
/// Throws Error naming the expected and actual shapes.
Tensor asBatch(const Model& model, const Tensor& input);

}  // namespace sparselab
