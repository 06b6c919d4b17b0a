// Fuzz target: what cabridge-verify (tools/verify/cli) parses before the library sees
// a token: its command line (parse_cli_options), the --time value (parse_iso8601),
// the --challenge value (cabridge::base64Decode) and the --ca / --intermediate files
// (CertificateSet::add_pem for PEM text, add_der otherwise, as cli/main.cpp does).
// The token itself goes to verify_auth_token unchanged, which the auth_token
// target covers. The input is the argument list, NUL-separated (argv[0] excluded),
// and, as a whole, a certificate file.
// Checks: only UsageError escapes the option parser; an accepted command line has
// the required flags and exactly one challenge form; a decoded challenge encodes
// back to the same text (canonical base64 only); only std::invalid_argument
// escapes the certificate loaders.
#include "fuzz_target.h"

#include <cabridge/common/encoding.h>
#include "cli_options.h"
#include "iso8601_time.h"

#include <cabridge/verify.h>

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using cabridge::fuzz::require;
namespace verify = cabridge::verify;

void checkCommandLine(std::string_view text)
{
    std::vector<std::string> args {"cabridge-verify"};
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find('\0', start), text.size());
        args.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::vector<const char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& arg : args) {
        argv.push_back(arg.c_str());
    }
    argv.push_back(nullptr);

    verify::cli::CliOptions options;
    try {
        options = verify::cli::parse_cli_options(static_cast<int>(args.size()), argv.data());
    } catch (const verify::cli::UsageError&) {
        return;
    }
    if (options.help) {
        return;
    }
    require(options.challenge_base64.has_value() != options.challenge_file.has_value(),
            "accepted a command line without exactly one challenge form");
    require(!options.ca_files.empty(), "accepted a command line without --ca");
    if (options.time) {
        (void)verify::detail::parse_iso8601(*options.time);
    }
    if (options.challenge_base64) {
        if (const auto decoded = cabridge::base64Decode(*options.challenge_base64)) {
            require(cabridge::base64Encode(*decoded) == *options.challenge_base64,
                    "a challenge that is not canonical base64 was decoded");
        }
    }
}

void checkCertificateFile(std::span<const std::uint8_t> data)
{
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    verify::CertificateSet set;
    try {
        if (text.find("-----BEGIN") != std::string_view::npos) {
            set.add_pem(text);
        } else {
            set.add_der(data);
        }
    } catch (const std::invalid_argument&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    checkCommandLine(std::string_view(reinterpret_cast<const char*>(data), size));
    // The --time value on its own, so the fuzzer need not build a whole command line to reach it.
    (void)verify::detail::parse_iso8601(std::string_view(reinterpret_cast<const char*>(data), size));
    checkCertificateFile({data, size});
    return 0;
}
