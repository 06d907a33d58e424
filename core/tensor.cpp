#include "tensor.h"

#include <algorithm>
#include <stdexcept>

namespace sparselab {

int64_t numel(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::string shapeToString(const Shape& shape) {
    std::string s;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) s += 'x';
        s += std::to_string(shape[i]);
    }
    return s.empty() ? "scalar" : s;
}

Tensor::Tensor(Shape shape, float fill)
    : m_shape(std::move(shape)), m_data(static_cast<size_t>(numel(m_shape)), fill) {}

Tensor::Tensor(Shape shape, std::vector<float> data)
    : m_shape(std::move(shape)), m_data(std::move(data)) {
    if (static_cast<int64_t>(m_data.size()) != numel(m_shape))
        throw std::invalid_argument("Tensor: " + std::to_string(m_data.size()) +
                                    " values do not fill shape " + shapeToString(m_shape));
}

void Tensor::reshape(Shape shape) {
    if (numel(shape) != size())
        throw std::invalid_argument("Tensor::reshape: " + shapeToString(m_shape) +
                                    " cannot become " + shapeToString(shape));
    m_shape = std::move(shape);
}

void Tensor::resize(Shape shape) {
    m_data.resize(static_cast<size_t>(numel(shape)));
    m_shape = std::move(shape);
}

int64_t Tensor::countZeros() const {
    return std::count(m_data.begin(), m_data.end(), 0.0f);
}

}  // namespace sparselab
