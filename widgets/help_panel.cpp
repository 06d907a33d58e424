#include "help_panel.h"

namespace sparselab {

HelpPanel::HelpPanel(QWidget* parent) : QTextBrowser(parent) {
    setOpenExternalLinks(true);
    setHtml(tr(R"(
<h3>SparseLab in one minute</h3>
<p>The network is Numenta's keyword-spotting CNN: a 1 s clip becomes a 32x32 log-mel image,
two 5x5 conv layers and a linear layer find the word.</p>
<p><b>Weight sparsity</b> zeroes the smallest weights (pruning). A sparse-weights engine skips
them. <b>Activation sparsity</b> comes from k-winners layers: only the k largest units of a layer
stay non-zero. A <b>sparse-sparse</b> engine multiplies only surviving weights by winning
inputs, so the work is roughly <i>weight density x activation density</i> of the dense
work.</p>
<ol>
<li><b>Model</b> tab: layers, shapes, parameters, non-zeros and MACs of the current model.</li>
<li><b>Explore</b> tab: click a sample clip (or open a WAV file). You see the waveform, the
spectrogram, the predicted word and every layer's activations - dense reference left, sparse
model right. Bright cells are non-zero, dim cells are exactly zero.</li>
<li><b>Sparsity</b> sliders (right): watch MACs, speedup, latency and accuracy follow. The
diagram below them shows the same idea on a toy layer.</li>
<li><b>Benchmark</b> tab: run dense and sparse modes side by side; export CSV/JSON/PNG.</li>
</ol>
<p><b>Fine-tune at this sparsity</b> trains one epoch on a GSC-layout corpus folder, keeping
pruned weights at zero; File &gt; Save model as... keeps the result.</p>
<p><b>Shortcuts</b>: Ctrl+O open model, Ctrl+S save model, Ctrl+Shift+O open audio, Ctrl+B run/stop benchmark,
Ctrl+R reset sparsity, Ctrl+L live microphone on/off, Ctrl+1/2/3 switch tabs, F1 this help, Ctrl+Q quit.</p>
)"));
}

}  // namespace sparselab
