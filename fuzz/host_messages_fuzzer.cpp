// Fuzz target: the host's request loop. The input is the raw byte stream the
// browser would write to the host's stdin (any number of frames: 4-byte native
// length + body), served by the real Controller with no plugins and a fixed
// administrator policy. Checks that every reply the host writes is one framed
// JSON object of at most 1 MiB with an "id" and exactly one of "result"/"error".
#include "fuzz_target.h"
#include "memory_file.h"
#include "scratch_file.h"

#include "controller.h"
#include "framing.h"
#include "host_config.h"
#include "origin_policy.h"
#include "token_engine.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <string_view>

namespace {

using cabridge::fuzz::require;

// Origins the policy allows, so list-certificates and authenticate get past the
// origin check and reach the (empty) plugin registry; likewise a CA enrolment origin for
// generate-key, install-certificate, list-keys and remove-key.
constexpr std::string_view kPolicy =
    R"({"allowOrigins":["https://si.example.gov.cn","https://*.hebei.gov.cn","http://121.28.48.13:8080"],)"
    R"("denyOrigins":["https://bad.hebei.gov.cn"],"legacyOrigins":["http://121.28.48.13:8080"],)"
    R"("enrollOrigins":["https://ca.example.com"]})";

struct Fixture {
    cabridge::fuzz::MemoryFile input {"cabridge-fuzz-stdin"};
    cabridge::fuzz::MemoryFile output {"cabridge-fuzz-stdout"};
    cabridge::fuzz::ScratchFile policy {"cabridge-fuzz-policy"};

    Fixture()
    {
        policy.write(reinterpret_cast<const std::uint8_t*>(kPolicy.data()), kPolicy.size());
        // Otherwise every origin is refused and the fuzzer never gets past the policy.
        require(!cabridge::loadAdminPolicy(policy.path()).error, "the fixed policy file is refused");
    }

    cabridge::HostConfig config() const
    {
        cabridge::HostConfig config;
        config.pluginDirs = {};  // no plugins: nothing in a fuzz run may touch a token
        config.policyFile = policy.path();
        return config;
    }
};

Fixture& fixture()
{
    static Fixture f;
    return f;
}

void checkReply(std::string_view body)
{
    require(!body.empty(), "host wrote an empty frame");
    require(body.size() <= cabridge::kMaxMessageSize, "host wrote a frame over 1 MiB");
    const auto reply = nlohmann::json::parse(body, nullptr, false);
    require(!reply.is_discarded() && reply.is_object(), "host reply is not a JSON object");
    require(reply.contains("id"), "host reply has no id");
    const bool hasResult = reply.contains("result");
    const bool hasError = reply.contains("error");
    require(hasResult != hasError, "host reply needs exactly one of result and error");
    if (hasError) {
        const auto& error = reply["error"];
        require(error.is_object() && error.contains("code") && error["code"].is_string() && error.contains("message") &&
                    error["message"].is_string(),
                "error reply lacks a code or message string");
    }
}

// Splits what the host wrote into frames and checks each one.
void checkOutput(const std::vector<std::uint8_t>& out)
{
    std::size_t pos = 0;
    while (pos < out.size()) {
        require(out.size() - pos >= 4, "host wrote a truncated length");
        std::uint32_t length = 0;
        std::memcpy(&length, out.data() + pos, sizeof length);
        pos += 4;
        require(length <= out.size() - pos, "host wrote a truncated body");
        checkReply(std::string_view(reinterpret_cast<const char*>(out.data() + pos), length));
        pos += length;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto& f = fixture();
    f.input.reset(data, size);
    f.output.reset(nullptr, 0);
    {
        cabridge::Controller controller(f.config(), /*extensionAllowed=*/true, f.input.fd(), f.output.fd(),
                                        &cabridge::createTokenEngine);
        const int status = controller.run();
        require(status == 0, "controller.run() failed on a memfd it can always write to");
    }
    checkOutput(f.output.contents());
    return 0;
}
