// Fuzz target: the portal-side verifier (tools/verify, cabridge_verify) on a
// hostile AuthToken. The input is the token JSON exactly as a page would post
// it; the portal's side is fixed: origin https://si.example.gov.cn, the 32-byte
// challenge below, the test PKI's roots (RSA/EC and SM2) as the only anchors and their
// intermediates, and a fixed verification time inside the seed certificates' validity.
// Checks: the verifier never throws, a refusal carries a documented code, and a
// token is accepted only for the portal's own origin.
#include "fuzz_target.h"

#include <cabridge/verify.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <string>

#ifndef CABRIDGE_FUZZ_DATA_DIR
#error "CABRIDGE_FUZZ_DATA_DIR must name fuzz/data"
#endif

namespace {

using cabridge::fuzz::require;
namespace verify = cabridge::verify;

constexpr std::string_view kOrigin = "https://si.example.gov.cn";
constexpr std::string_view kChallenge = "cabridge-fuzz-challenge-32-bytes";
// 2027-06-01T00:00:00Z, inside the committed seed certificates' validity.
constexpr std::chrono::system_clock::time_point kAt {std::chrono::seconds {1811808000}};

std::string readDataFile(const char* name)
{
    std::ifstream in(std::string(CABRIDGE_FUZZ_DATA_DIR) + "/" + name, std::ios::binary);
    require(static_cast<bool>(in), "cannot read a file in fuzz/data");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Trust {
    verify::CertificateSet anchors;
    verify::CertificateSet intermediates;
    Trust()
    {
        anchors.add_pem(readDataFile("root.pem"));
        intermediates.add_pem(readDataFile("intermediate.pem"));
        anchors.add_pem(readDataFile("sm2-root.pem"));
        intermediates.add_pem(readDataFile("sm2-intermediate.pem"));
    }
};

const Trust& trust()
{
    static const Trust t;
    return t;
}

verify::VerifyResult run(std::string_view token, bool allowLegacy)
{
    verify::VerifyRequest request;
    request.token_json = token;
    request.expected_origin = kOrigin;
    request.challenge = std::span(reinterpret_cast<const std::uint8_t*>(kChallenge.data()), kChallenge.size());
    request.trusted = &trust().anchors;
    request.intermediates = &trust().intermediates;
    request.allow_legacy = allowLegacy;
    request.at = kAt;
    return verify::verify_auth_token(request);
}

void checkResult(const verify::VerifyResult& result)
{
    const auto json = nlohmann::json::parse(verify::result_to_json(result), nullptr, false);
    require(!json.is_discarded() && json.is_object(), "result_to_json is not a JSON object");
    require(json.value("valid", !result.valid()) == result.valid(), "result_to_json disagrees on validity");
    if (result.valid()) {
        require(result.token().origin == kOrigin, "token accepted for another origin");
        return;
    }
    const auto code = result.failure().code;
    const int exitCode = verify::error_exit_code(code);
    require(exitCode >= 10 && exitCode <= 20, "refusal with an undocumented exit code");
    require(!verify::error_code_name(code).empty(), "refusal without a code name");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view token(reinterpret_cast<const char*>(data), size);
    const auto strict = run(token, false);
    checkResult(strict);
    // Only a legacy token gets the second look, so the signature work is not doubled.
    if (!strict.valid() && strict.failure().code == verify::ErrorCode::LegacyNotAllowed) {
        const auto lenient = run(token, true);
        checkResult(lenient);
        require(lenient.valid() || lenient.failure().code != verify::ErrorCode::LegacyNotAllowed,
                "legacy refused although allowed");
    }
    return 0;
}
