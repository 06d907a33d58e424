#include "xclbin_writer.h"

#include <uuid/uuid.h>
#include <xclbin.h>

#include <cstring>
#include <ctime>
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"

namespace sparselab {

namespace {

constexpr uint64_t kCuBase = 0x1800000, kCuStride = 0x10000;

std::string kernelXml(int computeUnits) {
    std::string x =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<project name=\"sparselab_gsc\">\n"
        "  <platform vendor=\"sparselab\" boardid=\"none\" name=\"metadata_only\" "
        "featureRomTime=\"0\">\n"
        "    <version major=\"1\" minor=\"0\"/>\n"
        "    <device name=\"fpga0\" fpgaDevice=\"none\" addrWidth=\"0\">\n"
        "      <core name=\"OCL_REGION_0\" target=\"hw\" type=\"clc_region\" "
        "clockFreq=\"300MHz\" numComputeUnits=\"" +
        std::to_string(computeUnits) +
        "\">\n"
        "        <kernel name=\"sparselab_gsc\" language=\"c\" "
        "vlnv=\"sparselab:hls:sparselab_gsc:1.0\" preferredWorkGroupSizeMultiple=\"0\" "
        "workGroupSize=\"1\" interrupt=\"true\" hwControlProtocol=\"ap_ctrl_hs\">\n";
    for (int g = 0; g < 3; ++g)
        x += "          <port name=\"M_AXI_GMEM" + std::to_string(g) +
             "\" mode=\"master\" range=\"0xFFFFFFFF\" dataWidth=\"512\" "
             "portType=\"addressable\" base=\"0x0\"/>\n";
    x += "          <port name=\"S_AXI_CONTROL\" mode=\"slave\" range=\"0x1000\" dataWidth=\"32\" "
         "portType=\"addressable\" base=\"0x0\"/>\n";
    const char* names[] = {"program", "weights", "input", "logits"};
    const char* types[] = {"int*", "char*", "char*", "int*"};
    const char* ports[] = {"M_AXI_GMEM0", "M_AXI_GMEM1", "M_AXI_GMEM2", "M_AXI_GMEM2"};
    char buf[400];
    for (int a = 0; a < 4; ++a) {
        std::snprintf(buf, sizeof buf,
                      "          <arg name=\"%s\" addressQualifier=\"1\" id=\"%d\" port=\"%s\" "
                      "size=\"0x8\" offset=\"0x%x\" hostOffset=\"0x0\" hostSize=\"0x8\" "
                      "type=\"%s\"/>\n",
                      names[a], a, ports[a], 0x10 + 0xc * a, types[a]);
        x += buf;
    }
    x += "          <arg name=\"batch\" addressQualifier=\"0\" id=\"4\" port=\"S_AXI_CONTROL\" "
         "size=\"0x4\" offset=\"0x40\" hostOffset=\"0x0\" hostSize=\"0x4\" type=\"int\"/>\n";
    for (int cu = 0; cu < computeUnits; ++cu) {
        std::snprintf(buf, sizeof buf,
                      "          <instance name=\"sparselab_gsc_%d\">\n"
                      "            <addrRemap base=\"0x%llx\" range=\"0x10000\" "
                      "port=\"S_AXI_CONTROL\"/>\n"
                      "          </instance>\n",
                      cu + 1, static_cast<unsigned long long>(kCuBase + kCuStride * cu));
        x += buf;
    }
    x += "        </kernel>\n      </core>\n    </device>\n  </platform>\n</project>\n";
    return x;
}

template <typename T>
std::vector<char> bytesOf(const T& value, size_t size = sizeof(T)) {
    const char* p = reinterpret_cast<const char*>(&value);
    return std::vector<char>(p, p + size);
}

}  // namespace

std::vector<char> makeMetadataOnlyXclbin(int computeUnits) {
    if (computeUnits < 1 || computeUnits > 64)
        throw Error("xclbin: compute units must be 1..64, got " + std::to_string(computeUnits));

    // Section payloads.
    std::vector<char> mem(sizeof(mem_topology), 0);
    {
        auto* m = reinterpret_cast<mem_topology*>(mem.data());
        m->m_count = 1;
        m->m_mem_data[0].m_type = MEM_DDR4;
        m->m_mem_data[0].m_used = 1;
        m->m_mem_data[0].m_size = 16ull * 1024 * 1024;  // KB: 16 GB
        m->m_mem_data[0].m_base_address = 0x4000000000ull;
        std::strcpy(reinterpret_cast<char*>(m->m_mem_data[0].m_tag), "bank0");
    }
    std::vector<char> ips(sizeof(ip_layout) + sizeof(ip_data) * size_t(computeUnits - 1), 0);
    {
        auto* l = reinterpret_cast<ip_layout*>(ips.data());
        l->m_count = computeUnits;
        for (int cu = 0; cu < computeUnits; ++cu) {
            ip_data& d = l->m_ip_data[cu];
            d.m_type = IP_KERNEL;
            d.properties = (AP_CTRL_HS << IP_CONTROL_SHIFT);
            d.m_base_address = kCuBase + kCuStride * uint64_t(cu);
            const std::string name = "sparselab_gsc:sparselab_gsc_" + std::to_string(cu + 1);
            std::strncpy(reinterpret_cast<char*>(d.m_name), name.c_str(), sizeof(d.m_name) - 1);
        }
    }
    std::vector<char> conn(sizeof(connectivity) + sizeof(connection) * size_t(4 * computeUnits - 1),
                           0);
    {
        auto* c = reinterpret_cast<connectivity*>(conn.data());
        c->m_count = 4 * computeUnits;
        for (int cu = 0; cu < computeUnits; ++cu)
            for (int a = 0; a < 4; ++a) c->m_connection[cu * 4 + a] = connection{a, cu, 0};
    }
    const std::string xmlText = kernelXml(computeUnits);
    std::vector<char> xml(xmlText.begin(), xmlText.end());

    struct Section {
        axlf_section_kind kind;
        const char* name;
        const std::vector<char>* data;
    };
    const Section sections[] = {{MEM_TOPOLOGY, "mem_topology", &mem},
                                {IP_LAYOUT, "ip_layout", &ips},
                                {CONNECTIVITY, "connectivity", &conn},
                                {EMBEDDED_METADATA, "metadata", &xml}};
    const size_t count = std::size(sections);
    const size_t headerSize = sizeof(axlf) + sizeof(axlf_section_header) * (count - 1);
    auto align8 = [](size_t v) { return (v + 7) & ~size_t(7); };
    std::vector<char> out(align8(headerSize), 0);
    std::vector<axlf_section_header> headers;
    for (const Section& s : sections) {
        axlf_section_header h{};
        h.m_sectionKind = s.kind;
        std::strncpy(h.m_sectionName, s.name, sizeof(h.m_sectionName) - 1);
        h.m_sectionOffset = out.size();
        h.m_sectionSize = s.data->size();
        out.insert(out.end(), s.data->begin(), s.data->end());
        out.resize(align8(out.size()), 0);
        headers.push_back(h);
    }
    axlf top{};
    std::memcpy(top.m_magic, "xclbin2", 8);
    top.m_signature_length = -1;
    std::memset(top.reserved, 0xff, sizeof(top.reserved));
    top.m_header.m_length = out.size();
    top.m_header.m_timeStamp = static_cast<uint64_t>(std::time(nullptr));
    top.m_header.m_versionMajor = 2;
    top.m_header.m_versionMinor = 13;
    top.m_header.m_mode = XCLBIN_FLAT;
    std::strcpy(reinterpret_cast<char*>(top.m_header.m_platformVBNV), "sparselab:metadata_only");
    uuid_generate(top.m_header.uuid);
    top.m_header.m_numSections = static_cast<uint32_t>(count);
    top.m_sections[0] = headers[0];
    std::memcpy(out.data(), &top, sizeof(axlf));
    std::memcpy(out.data() + sizeof(axlf), headers.data() + 1,
                sizeof(axlf_section_header) * (count - 1));
    return out;
}

void writeMetadataOnlyXclbin(const std::string& path, int computeUnits) {
    const std::vector<char> bytes = makeMetadataOnlyXclbin(computeUnits);
    writeFileAtomically(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace sparselab
