// Independent checks of an AuthToken: a plain OpenSSL verification written here (not the
// project's verifier), and the portal-side CLI cabridge-verify.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cabridge::logintest {

std::vector<std::uint8_t> randomBytes(std::size_t count);
std::string base64Encode(const std::vector<std::uint8_t>& data);
// Throws std::runtime_error on malformed input.
std::vector<std::uint8_t> base64Decode(const std::string& text);

// Recomputes the signed message ("cabridge-auth:2" NUL H(origin) || H(challenge), or the bare
// challenge for a legacy token) and checks token.signature with the public key of token.certificate using
// EVP_DigestVerify and the hash token.algorithm names. True only if it verifies.
bool opensslVerifies(const nlohmann::json& token, const std::string& origin, const std::vector<std::uint8_t>& challenge,
                     bool legacy = false);

struct VerifierOutcome {
    int exitCode = -1;
    nlohmann::json result;  // the CLI's stdout JSON (discarded value if it was not JSON)
};

// Runs cabridge-verify on `token` against the test PKI's root and intermediate.
VerifierOutcome runVerifier(const nlohmann::json& token, const std::string& expectedOrigin,
                            const std::vector<std::uint8_t>& challenge, const std::filesystem::path& pkiDir,
                            const std::filesystem::path& scratchDir, bool allowLegacy = false);

}  // namespace cabridge::logintest
