// The "fpga" backend with XRT: device discovery, xclbin loading, packed weights placed in device
// memory once, batches streamed over several compute units, CPU failover.
#include <experimental/xrt_system.h>
#include <experimental/xrt_xclbin.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>

#include "core/cpu_dense_backend.h"
#include "core/dense_ops.h"
#include "core/error.h"
#include "core/quant/int8_reference.h"
#include "core/sequential_executor.h"
#include "fpga_backend.h"
#include "kernel_program.h"
#include "xrt_environment.h"

namespace sparselab {

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kKernelName = "sparselab_gsc";

/// The device's name, or "XRT device N" when the shim cannot answer (emulation).
std::string deviceName(const xrt::device& device, unsigned index) {
    try {
        return device.get_info<xrt::info::device::name>();
    } catch (const std::exception&) {
        return "XRT device " + std::to_string(index);
    }
}

double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/// One compute unit with its device buffers. Program and weights are written once.
struct ComputeUnit {
    std::string name;
    xrt::kernel kernel;
    xrt::bo program, weights, input, logits;
};

/// Runs the int8 model on the device; falls over to the CPU int8 reference when the device fails.
class XrtExecutor final : public FpgaExecutor {
  public:
    XrtExecutor(quant::QuantizedModel qm, ExecutionMode mode, const FpgaSettings& settings,
                const std::string& xclbinPath)
        : m_qm(std::move(qm)),
          m_mode(mode),
          m_maxBatch(std::max(1, settings.maxBatchPerRun)),
          m_failAfterRuns(settings.failAfterRuns) {
        const KernelVariant variant =
            mode == ExecutionMode::Dense ? KernelVariant::Dense : KernelVariant::SparseSparse;
        m_program = compileKernelProgram(m_qm, variant);
        try {
            m_device = xrt::device(settings.deviceIndex);
            const xrt::xclbin xclbin(xclbinPath);
            const xrt::uuid uuid = m_device.load_xclbin(xclbin);
            std::vector<std::string> cuNames;
            for (const auto& k : xclbin.get_kernels())
                if (k.get_name() == kKernelName)
                    for (const auto& cu : k.get_cus()) cuNames.push_back(cu.get_name());
            if (cuNames.empty())
                throw Error("FPGA: xclbin '" + xclbinPath + "' has no '" + kKernelName +
                            "' kernel (build it with fpga/hls/Makefile)");
            std::sort(cuNames.begin(), cuNames.end());
            if (settings.computeUnits > 0 && size_t(settings.computeUnits) < cuNames.size())
                cuNames.resize(size_t(settings.computeUnits));
            const size_t inBytes = size_t(m_maxBatch) * size_t(m_program.inputSize);
            const size_t outBytes = size_t(m_maxBatch) * size_t(m_program.logitCount) * 4;
            for (const std::string& full : cuNames) {
                // IP names are "kernel:instance"; xrt::kernel selects CUs as "kernel:{instance}".
                const std::string inst = full.substr(full.find(':') + 1);
                ComputeUnit cu;
                cu.name = inst;
                cu.kernel =
                    xrt::kernel(m_device, uuid, std::string(kKernelName) + ":{" + inst + "}");
                cu.program = xrt::bo(m_device, m_program.program.size() * 4, cu.kernel.group_id(0));
                cu.weights = xrt::bo(m_device, m_program.weights.size(), cu.kernel.group_id(1));
                cu.input = xrt::bo(m_device, inBytes, cu.kernel.group_id(2));
                cu.logits = xrt::bo(m_device, outBytes, cu.kernel.group_id(3));
                cu.program.write(m_program.program.data());
                cu.program.sync(XCL_BO_SYNC_BO_TO_DEVICE);
                cu.weights.write(m_program.weights.data());
                cu.weights.sync(XCL_BO_SYNC_BO_TO_DEVICE);
                m_cus.push_back(std::move(cu));
            }
            m_description = std::string(toString(variant)) + " kernel, " +
                            std::to_string(m_cus.size()) + " CU(s) on " +
                            deviceName(m_device, settings.deviceIndex) + " (" + xclbinPath + ")";
        } catch (const Error&) {
            throw;
        } catch (const std::exception& e) {
            throw Error("FPGA: cannot prepare '" + m_qm.source->name + "' with xclbin '" +
                        xclbinPath + "': " + e.what());
        }
        m_stats.computeUnits = static_cast<int>(m_cus.size());
    }

    Tensor run(const Tensor& input, const ActivationTap& tap) override {
        const auto start = Clock::now();
        const Model& model = *m_qm.source;
        const Tensor batch = asBatch(model, input);
        const int64_t n = batch.dim(0), per = numel(model.inputShape);
        std::vector<int8_t> q(size_t(n * per));
        for (int64_t b = 0; b < n; ++b) {
            auto s =
                quant::quantizeInput(m_qm, batch.values().subspan(size_t(b * per), size_t(per)));
            std::copy(s.begin(), s.end(), q.begin() + b * per);
        }
        std::vector<int32_t> logits(size_t(n * m_program.logitCount));
        int64_t done = 0;
        if (!m_stats.failedOver) {
            try {
                done = runOnDevice(q, logits, n);
            } catch (const std::exception& e) {
                m_stats.failedOver = true;
                m_stats.message = std::string("FPGA device failed (") + e.what() +
                                  "); continuing on the CPU int8 reference";
                std::cerr << "sparselab: " << m_stats.message << '\n';
            }
        }
        for (int64_t b = done; b < n; ++b) {  // CPU failover: same int8 arithmetic
            auto l = quant::runInt8Logits(
                m_qm, std::span<const int8_t>(q).subspan(size_t(b * per), size_t(per)));
            std::copy(l.begin(), l.end(), logits.begin() + b * m_program.logitCount);
        }
        Tensor out = quant::finishInFloat(m_qm, logits, n);
        if (tap) replayTaps(q, n, tap);
        m_stats.inferences += n;
        m_stats.totalSeconds += secondsSince(start);
        return out;
    }

    ExecutionMode mode() const override { return m_mode; }
    const Model& model() const override { return *m_qm.source; }
    FpgaRunStats stats() const override { return m_stats; }
    std::string deviceDescription() const override { return m_description; }

  private:
    /// Streams the batch in chunks of m_maxBatch, one chunk per CU at a time, all CUs in flight.
    int64_t runOnDevice(const std::vector<int8_t>& q, std::vector<int32_t>& logits, int64_t n) {
        const auto start = Clock::now();
        const int64_t in = m_program.inputSize, out = m_program.logitCount;
        int64_t next = 0;
        while (next < n) {
            struct InFlight {
                ComputeUnit* cu;
                xrt::run run;
                int64_t first, count;
            };
            std::vector<InFlight> flights;
            // Spread what is left over every CU, at most m_maxBatch samples per run.
            const int64_t cus = int64_t(m_cus.size());
            const int64_t share = std::min<int64_t>(m_maxBatch, (n - next + cus - 1) / cus);
            for (ComputeUnit& cu : m_cus) {
                if (next >= n) break;
                const int64_t count = std::min<int64_t>(share, n - next);
                if (m_failAfterRuns >= 0 &&
                    m_stats.kernelRuns + int64_t(flights.size()) >= m_failAfterRuns)
                    throw std::runtime_error("injected device failure after " +
                                             std::to_string(m_failAfterRuns) + " kernel runs");
                cu.input.write(q.data() + next * in, size_t(count * in), 0);
                cu.input.sync(XCL_BO_SYNC_BO_TO_DEVICE, size_t(count * in), 0);
                xrt::run run(cu.kernel);
                run.set_arg(0, cu.program);
                run.set_arg(1, cu.weights);
                run.set_arg(2, cu.input);
                run.set_arg(3, cu.logits);
                run.set_arg(4, static_cast<int>(count));
                run.start();
                flights.push_back({&cu, std::move(run), next, count});
                next += count;
            }
            for (InFlight& f : flights) {
                const auto state = f.run.wait();
                if (state != ERT_CMD_STATE_COMPLETED)
                    throw std::runtime_error("compute unit " + f.cu->name + " ended in state " +
                                             std::to_string(int(state)));
                const size_t bytes = size_t(f.count * out) * sizeof(int32_t);
                f.cu->logits.sync(XCL_BO_SYNC_BO_FROM_DEVICE, bytes, 0);
                f.cu->logits.read(logits.data() + f.first * out, bytes, 0);
                ++m_stats.kernelRuns;
            }
        }
        m_stats.deviceSeconds += secondsSince(start);
        return n;
    }

    /// The kernel does not export intermediate activations; taps see the CPU int8 reference's
    /// (bit-exact with the kernel), dequantised, then the float tail layers.
    void replayTaps(const std::vector<int8_t>& q, int64_t n, const ActivationTap& tap) const {
        const Model& model = *m_qm.source;
        const int64_t per = numel(model.inputShape);
        std::vector<Tensor> outs(model.layers.size());
        std::vector<int32_t> logits;
        for (int64_t b = 0; b < n; ++b) {
            auto l = quant::runInt8Logits(
                m_qm, std::span<const int8_t>(q).subspan(size_t(b * per), size_t(per)),
                [&](int index, std::span<const int8_t> a) {
                    const quant::QuantLayer& ql = m_qm.layers[size_t(index)];
                    Tensor& t = outs[size_t(index)];
                    if (t.empty()) {
                        Shape s{n};
                        s.insert(s.end(), ql.outputShape.begin(), ql.outputShape.end());
                        t = Tensor(s);
                    }
                    for (size_t i = 0; i < a.size(); ++i)
                        t[b * int64_t(a.size()) + int64_t(i)] = float(a[i]) * ql.outputScale;
                });
            logits.insert(logits.end(), l.begin(), l.end());
        }
        Shape s{n};
        const Shape& ls = m_qm.layers.back().outputShape;
        s.insert(s.end(), ls.begin(), ls.end());
        Tensor a(s);
        for (int64_t i = 0; i < a.size(); ++i) a[i] = float(logits[size_t(i)]) * m_qm.logitScale();
        outs[size_t(m_qm.logitsLayer)] = a;
        for (size_t i = size_t(m_qm.logitsLayer) + 1; i < model.layers.size(); ++i)
            dense::runLayer(model.layers[i], outs[i - 1], outs[i]);
        for (size_t i = 0; i < model.layers.size(); ++i)
            if (!outs[i].empty()) tap(LayerOutput{int(i), &model.layers[i], &outs[i]});
    }

    quant::QuantizedModel m_qm;
    ExecutionMode m_mode;
    int m_maxBatch;
    int m_failAfterRuns;
    KernelProgram m_program;
    xrt::device m_device;
    std::vector<ComputeUnit> m_cus;
    std::string m_description;
    FpgaRunStats m_stats;
};

/// Whole model on the CPU (dense reference) because the kernel cannot run one of its layers.
class CpuFallbackExecutor final : public FpgaExecutor {
  public:
    CpuFallbackExecutor(std::unique_ptr<Executor> cpu, std::string why) : m_cpu(std::move(cpu)) {
        m_stats.failedOver = true;
        m_stats.message = std::move(why);
    }
    Tensor run(const Tensor& input, const ActivationTap& tap) override {
        const auto start = Clock::now();
        Tensor out = m_cpu->run(input, tap);
        m_stats.inferences += out.dim(0);
        m_stats.totalSeconds += secondsSince(start);
        return out;
    }
    ExecutionMode mode() const override { return m_cpu->mode(); }
    const Model& model() const override { return m_cpu->model(); }
    FpgaRunStats stats() const override { return m_stats; }
    std::string deviceDescription() const override { return "CPU fallback: " + m_stats.message; }

  private:
    std::unique_ptr<Executor> m_cpu;
    FpgaRunStats m_stats;
};

class XrtBackend final : public Backend {
  public:
    explicit XrtBackend(FpgaSettings settings) : m_settings(std::move(settings)) {}

    std::string name() const override { return "fpga"; }
    std::string description() const override {
        probe();
        return "Xilinx FPGA through XRT" + (m_deviceName.empty() ? "" : " (" + m_deviceName + ")");
    }
    BackendStatus status() const override {
        probe();
        return m_status;
    }
    std::vector<ExecutionMode> modes() const override {
        return {ExecutionMode::Dense, ExecutionMode::SparseSparse};
    }
    bool supports(const Layer& layer) const override { return quant::isInt8Layer(layer); }

    std::unique_ptr<Executor> prepare(ModelPtr model,
                                      const PrepareOptions& options) const override {
        const BackendStatus s = status();
        if (!s.available) throw Error("FPGA: unavailable — " + s.reason);
        const ExecutionMode mode = options.mode.value_or(ExecutionMode::SparseSparse);
        if (mode != ExecutionMode::Dense && mode != ExecutionMode::SparseSparse)
            throw Error("FPGA: mode '" + std::string(toString(mode)) +
                        "' is not offered (use dense or sparse-sparse)");
        std::string xclbin = m_settings.xclbin;
        if (xclbin.empty())
            if (const char* env = std::getenv("SPARSELAB_XCLBIN")) xclbin = env;
        if (xclbin.empty())
            throw Error(
                "FPGA: no xclbin given: pass --xclbin FILE or set SPARSELAB_XCLBIN (build "
                "one with fpga/hls/Makefile, see docs/FPGA.md)");
        if (!std::filesystem::is_regular_file(xclbin))
            throw Error("FPGA: xclbin '" + xclbin + "' does not exist or is not a file");
        const Tensor calibration = m_settings.calibration.empty()
                                       ? quant::syntheticCalibrationInputs(*model, 8)
                                       : m_settings.calibration;
        quant::QuantizedModel qm;
        try {
            qm = quant::quantizeModel(*model, calibration);
            compileKernelProgram(qm, KernelVariant::Dense);  // capacity check
        } catch (const Error& e) {
            CpuDenseBackend cpu;
            return std::make_unique<CpuFallbackExecutor>(
                cpu.prepare(model, {ExecutionMode::Dense, options.threads}),
                std::string("the FPGA kernel cannot run this model (") + e.what() +
                    "); running it on the CPU");
        }
        return std::make_unique<XrtExecutor>(std::move(qm), mode, m_settings, xclbin);
    }

  private:
    void probe() const {
        std::call_once(m_probed, [this] {
            // XRT's sw_emu/hw_emu shims call exit() when Vitis is missing: never let them.
            const char* emu = std::getenv("XCL_EMULATION_MODE");
            const char* vitis = std::getenv("XILINX_VITIS");
            if (emu && (std::strcmp(emu, "sw_emu") == 0 || std::strcmp(emu, "hw_emu") == 0) &&
                !(vitis && *vitis)) {
                m_status = {false, std::string("XCL_EMULATION_MODE=") + emu +
                                       " needs Vitis (XILINX_VITIS is not set)"};
                return;
            }
            ensureXrtEnvironment();
            try {
                xrt::system::enumerate_devices();
                xrt::device device(m_settings.deviceIndex);
                m_deviceName = deviceName(device, m_settings.deviceIndex);
                m_status = {true, {}};
            } catch (const std::exception& e) {
                m_status = {false, std::string("XRT found no device (") + e.what() + ")"};
            }
        });
    }

    FpgaSettings m_settings;
    mutable std::once_flag m_probed;
    mutable BackendStatus m_status;
    mutable std::string m_deviceName;
};

}  // namespace

std::unique_ptr<Backend> makeXrtBackend(FpgaSettings settings) {
    return std::make_unique<XrtBackend>(std::move(settings));
}

}  // namespace sparselab
