// libFuzzer harness: GSC corpus parsing — label-scheme text (LabelScheme::parse, as given to
// --labels), validation_list.txt / testing_list.txt and the folder scan (GscDataset::open).
// Input layout: line 1 is the scheme text; then validation_list.txt up to a line "====", then
// testing_list.txt. The lists are written into a small fixed corpus in a scratch folder.
// Invariants: only sparselab::Error escapes; every clip has a label in the scheme and a file
// under the root; class counts add up; train + validation + test partition the whole corpus.
#include <fstream>

#include "core/data/gsc_dataset.h"
#include "core/error.h"
#include "fuzz_support.h"

using namespace sparselab;
namespace fs = std::filesystem;

namespace {

const fs::path& corpusRoot() {
    static const fs::path root = [] {
        const fs::path r = fuzz::scratchFolder() / "gsc";
        for (const char* clip : {"yes/aa_nohash_0.wav", "yes/bb_nohash_0.wav", "no/aa_nohash_1.wav",
                                 "two/cc_nohash_0.wav", "cat/dd_nohash_0.wav"}) {
            fs::create_directories((r / clip).parent_path());
            std::ofstream(r / clip) << "not decoded by open()";
        }
        fs::create_directories(r / "_background_noise_");
        return r;
    }();
    return root;
}

GscDataset openSplit(GscSplit split, const LabelScheme& scheme) {
    GscOptions options;
    options.split = split;
    options.scheme = scheme;
    options.silenceShare = 0.0;
    return GscDataset::open(corpusRoot(), options);
}

void checkDataset(const GscDataset& d) {
    int64_t total = 0;
    for (int64_t c : d.classCounts()) total += c;
    if (total != static_cast<int64_t>(d.size())) fuzz::fail("class counts do not add up");
    for (const GscClip& clip : d.clips()) {
        if (clip.label < 0 || clip.label >= d.scheme().size()) fuzz::fail("label out of range");
        if (!fs::exists(clip.path)) fuzz::fail("clip path does not exist: " + clip.path.string());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::bytesOf(data, size);
    const size_t eol = text.find('\n');
    const std::string_view schemeText = text.substr(0, eol);
    const std::string_view lists = eol == std::string_view::npos ? "" : text.substr(eol + 1);
    const size_t sep = lists.find("====\n");
    const std::string_view validation = lists.substr(0, sep);
    const std::string_view testing = sep == std::string_view::npos ? "" : lists.substr(sep + 5);

    LabelScheme scheme = LabelScheme::digits();
    try {
        scheme = LabelScheme::parse(schemeText);
    } catch (const Error&) {
    }
    if (scheme.size() < 1) fuzz::fail("a parsed scheme has no labels");
    std::ofstream(corpusRoot() / "validation_list.txt", std::ios::binary | std::ios::trunc)
        << validation;
    std::ofstream(corpusRoot() / "testing_list.txt", std::ios::binary | std::ios::trunc) << testing;

    size_t parts = 0;
    try {
        for (GscSplit split : {GscSplit::Train, GscSplit::Validation, GscSplit::Test}) {
            const GscDataset d = openSplit(split, scheme);
            checkDataset(d);
            parts += d.size();
        }
    } catch (const Error& e) {
        fuzz::noteRejected(e);
        return 0;
    }
    const GscDataset all = openSplit(GscSplit::All, scheme);  // lists unused: must succeed
    checkDataset(all);
    if (parts != all.size()) fuzz::fail("train + validation + test != all");
    return 0;
}
