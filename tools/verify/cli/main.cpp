// cabridge-verify: checks an AuthToken for a portal back end (docs/verifying.md).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include <cabridge/common/encoding.h>
#include "cabridge/verify.h"
#include "cli_options.h"
#include "iso8601_time.h"

namespace {

using namespace cabridge::verify;

constexpr int kExitUsage = 2;
constexpr int kExitInternal = 1;
// Larger than any genuine token (the host sends at most 1 MiB); one byte more lets the verifier
// see and report "too large" instead of us reading without bound.
constexpr std::size_t kMaxTokenRead = 1024 * 1024 + 1;
constexpr std::size_t kMaxChallengeRead = 1025;
constexpr std::size_t kMaxCaFileBytes = std::size_t{16} * 1024 * 1024;
// A large CA's full CRL runs to megabytes; a larger file is cut here and then fails to parse.
constexpr std::size_t kMaxCrlFileBytes = std::size_t{64} * 1024 * 1024;

int print_failure(std::string_view code, const std::string& message, int exit_code) {
  const nlohmann::json out = {{"valid", false}, {"error", code}, {"message", message}};
  std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  return exit_code;
}

int usage_error(const std::string& message) {
  std::cerr << "cabridge-verify: " << message << '\n' << cli::kUsageText;
  return print_failure("USAGE", message, kExitUsage);
}

// Reads at most `limit` bytes; throws cli::UsageError if the file cannot be opened.
// Grows with the input, so a large limit costs nothing for a small file.
std::string read_bounded(std::istream& in, std::size_t limit) {
  constexpr std::size_t kChunk = std::size_t{64} * 1024;
  std::string data;
  while (data.size() < limit && in) {
    const std::size_t old_size = data.size();
    const std::size_t want = std::min(kChunk, limit - old_size);
    data.resize(old_size + want);
    in.read(data.data() + old_size, static_cast<std::streamsize>(want));
    data.resize(old_size + static_cast<std::size_t>(in.gcount()));
  }
  return data;
}

std::string read_file(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw cli::UsageError("cannot read " + path);
  return read_bounded(in, limit);
}

// Certificates or CRLs from files, each PEM (one or more blocks) or one DER object.
template <class Set>
Set load_set(const std::vector<std::string>& paths, std::size_t limit) {
  Set set;
  for (const auto& path : paths) {
    const std::string data = read_file(path, limit);
    try {
      if (data.find("-----BEGIN") != std::string::npos) set.add_pem(data);
      else set.add_der({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
    } catch (const std::invalid_argument& e) {
      throw cli::UsageError(path + ": " + e.what());
    }
  }
  return set;
}

int run(int argc, const char* const* argv) {
  cli::CliOptions options;
  CertificateSet trusted, intermediates;
  CrlSet crls;
  std::string token_json;
  std::vector<std::uint8_t> challenge;
  VerifyRequest request;
  try {
    options = cli::parse_cli_options(argc, argv);
    if (options.help) {
      std::cout << cli::kUsageText;
      return 0;
    }
    if (options.time) {
      request.at = detail::parse_iso8601(*options.time);
      if (!request.at) throw cli::UsageError("--time is not ISO 8601 (e.g. 2025-06-01T12:00:00Z)");
    }
    trusted = load_set<CertificateSet>(options.ca_files, kMaxCaFileBytes);
    intermediates = load_set<CertificateSet>(options.intermediate_files, kMaxCaFileBytes);
    crls = load_set<CrlSet>(options.crl_files, kMaxCrlFileBytes);
    if (options.challenge_file) {
      const std::string raw = read_file(*options.challenge_file, kMaxChallengeRead);
      challenge.assign(raw.begin(), raw.end());
    }
    token_json = options.token_path == "-" ? read_bounded(std::cin, kMaxTokenRead)
                                           : read_file(options.token_path, kMaxTokenRead);
  } catch (const cli::UsageError& e) {
    return usage_error(e.what());
  }
  if (options.challenge_base64) {
    auto decoded = cabridge::base64Decode(*options.challenge_base64);
    if (!decoded)
      return print_failure(error_code_name(ErrorCode::ChallengeInvalid),
                           "challenge is not valid base64 / 挑战值不是有效的 base64",
                           error_exit_code(ErrorCode::ChallengeInvalid));
    challenge = std::move(*decoded);
  }

  request.token_json = token_json;
  request.expected_origin = options.origin;
  request.challenge = challenge;
  request.trusted = &trusted;
  request.intermediates = &intermediates;
  request.allow_legacy = options.allow_legacy;
  if (!options.crl_files.empty()) request.crls = &crls;
  const VerifyResult result = verify_auth_token(request);
  std::cout << result_to_json(result) << '\n';
  return result.valid() ? 0 : error_exit_code(result.failure().code);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int code = run(argc, argv);
    std::cout.flush();
    return std::cout ? code : kExitInternal;
  } catch (const std::exception& e) {
    try {
      return print_failure("INTERNAL_ERROR", std::string("internal error: ") + e.what(), kExitInternal);
    } catch (...) {  // not even the failure could be printed (out of memory)
      return kExitInternal;
    }
  }
}
