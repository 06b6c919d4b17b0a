// Fuzz target: a plugin descriptor (host/src/front/plugin_descriptor.*), the JSON file a
// vendor installer drops into a plugin directory and the host trusts to name the
// library it loads. The input is the file's text; the descriptor either is refused
// with DescriptorError or keeps the promises of plugin_descriptor.h (checked below).
#include "fuzz_target.h"

#include <cabridge/host/plugin_descriptor.h>

#include <chrono>
#include <filesystem>
#include <string_view>

namespace {

using cabridge::fuzz::require;

// The id must equal the file name, so the corpus descriptors say "id": "hebca".
const std::filesystem::path& descriptorFile()
{
    static const std::filesystem::path file = "/nonexistent-cabridge-fuzz/hebca.json";
    return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    cabridge::PluginDescriptor descriptor;
    try {
        descriptor = cabridge::parsePluginDescriptor(descriptorFile(), text);
    } catch (const cabridge::DescriptorError&) {
        return 0;
    }
    require(descriptor.id == "hebca", "descriptor accepted with an id other than its file name");
    require(descriptor.config.is_object(), "descriptor config is not an object");
    for (const auto deadline :
         {descriptor.deadlines.enumerate, descriptor.deadlines.login, descriptor.deadlines.sign}) {
        require(deadline > std::chrono::milliseconds::zero() && deadline <= std::chrono::milliseconds(600000),
                "descriptor deadline out of (0, 600000] ms");
    }
    // The library does not exist; resolving must refuse it, not crash.
    try {
        (void)cabridge::resolvePluginLibrary(descriptorFile(), descriptor.library, {"/nonexistent-cabridge-fuzz"});
        cabridge::fuzz::invariantFailed("resolvePluginLibrary accepted a library that does not exist");
    } catch (const cabridge::DescriptorError&) {
    }
    return 0;
}
