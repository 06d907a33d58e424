#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sparselab {

/// Tensor dimensions, outermost first (NCHW for images, NF for feature vectors).
using Shape = std::vector<int64_t>;

/// Number of elements a shape holds (1 for a scalar shape {}).
int64_t numel(const Shape& shape);

/// "1x32x32" style rendering of a shape.
std::string shapeToString(const Shape& shape);

/// A dense, owned, row-major float tensor. Cheap to move; copying copies the data.
class Tensor {
  public:
    Tensor() = default;
    /// A tensor of the given shape with every element set to fill.
    explicit Tensor(Shape shape, float fill = 0.0f);
    /// A tensor that takes over data; data.size() must equal numel(shape).
    Tensor(Shape shape, std::vector<float> data);

    const Shape& shape() const { return m_shape; }
    int rank() const { return static_cast<int>(m_shape.size()); }
    int64_t dim(int i) const { return m_shape.at(static_cast<size_t>(i)); }
    int64_t size() const { return static_cast<int64_t>(m_data.size()); }
    bool empty() const { return m_data.empty(); }

    float* data() { return m_data.data(); }
    const float* data() const { return m_data.data(); }
    std::span<float> values() { return m_data; }
    std::span<const float> values() const { return m_data; }
    float& operator[](int64_t i) { return m_data[static_cast<size_t>(i)]; }
    float operator[](int64_t i) const { return m_data[static_cast<size_t>(i)]; }

    /// Changes the shape without touching the data; the element count must stay the same.
    void reshape(Shape shape);
    /// Changes the shape and resizes the storage (contents unspecified afterwards).
    void resize(Shape shape);

    /// Number of elements that are exactly zero.
    int64_t countZeros() const;

  private:
    Shape m_shape;
    std::vector<float> m_data;
};

}  // namespace sparselab
