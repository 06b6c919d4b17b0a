#include "token_check.h"

#include "login_paths.h"
#include "run_command.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <atomic>
#include <memory>
#include <stdexcept>

namespace cabridge::logintest {
namespace {

struct X509Free {
    void operator()(X509* p) const noexcept { X509_free(p); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct EncodeCtxFree {
    void operator()(EVP_ENCODE_CTX* p) const noexcept { EVP_ENCODE_CTX_free(p); }
};

std::vector<std::uint8_t> digest(const EVP_MD* md, const std::uint8_t* data, std::size_t size)
{
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    if (EVP_Digest(data, size, out.data(), &len, md, nullptr) != 1) {
        throw std::runtime_error("EVP_Digest failed");
    }
    out.resize(len);
    return out;
}

const EVP_MD* hashOf(const std::string& algorithm)
{
    if (algorithm == "RS256" || algorithm == "ES256") return EVP_sha256();
    if (algorithm == "ES384") return EVP_sha384();
    throw std::runtime_error("unexpected algorithm " + algorithm);
}

}  // namespace

std::vector<std::uint8_t> randomBytes(std::size_t count)
{
    std::vector<std::uint8_t> out(count);
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    return out;
}

std::string base64Encode(const std::vector<std::uint8_t>& data)
{
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                                    static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(len));
    return out;
}

std::vector<std::uint8_t> base64Decode(const std::string& text)
{
    std::unique_ptr<EVP_ENCODE_CTX, EncodeCtxFree> ctx(EVP_ENCODE_CTX_new());
    std::vector<std::uint8_t> out(text.size() / 4 * 3 + 3);
    int len = 0;
    int tail = 0;
    EVP_DecodeInit(ctx.get());
    if (EVP_DecodeUpdate(ctx.get(), out.data(), &len, reinterpret_cast<const unsigned char*>(text.data()),
                         static_cast<int>(text.size())) < 0 ||
        EVP_DecodeFinal(ctx.get(), out.data() + len, &tail) != 1) {
        throw std::runtime_error("bad base64");
    }
    out.resize(static_cast<std::size_t>(len) + static_cast<std::size_t>(tail));
    return out;
}

bool opensslVerifies(const nlohmann::json& token, const std::string& origin, const std::vector<std::uint8_t>& challenge,
                     bool legacy)
{
    const auto der = base64Decode(token.at("certificate").get<std::string>());
    const unsigned char* cursor = der.data();
    std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    if (!cert) {
        throw std::runtime_error("token certificate does not parse");
    }
    std::unique_ptr<EVP_PKEY, PkeyFree> key(X509_get_pubkey(cert.get()));
    const EVP_MD* md = hashOf(token.at("algorithm").get<std::string>());

    std::vector<std::uint8_t> message;
    if (legacy) {
        message = challenge;
    } else {
        // Format cabridge-auth:2: the 15-byte prefix, a zero byte, then the two hashes.
        static constexpr char kPrefix[] = "cabridge-auth:2";
        message.assign(kPrefix, kPrefix + sizeof kPrefix);
        const auto first = digest(md, reinterpret_cast<const std::uint8_t*>(origin.data()), origin.size());
        const auto second = digest(md, challenge.data(), challenge.size());
        message.insert(message.end(), first.begin(), first.end());
        message.insert(message.end(), second.begin(), second.end());
    }
    const auto signature = base64Decode(token.at("signature").get<std::string>());
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    return key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
}

VerifierOutcome runVerifier(const nlohmann::json& token, const std::string& expectedOrigin,
                            const std::vector<std::uint8_t>& challenge, const std::filesystem::path& pkiDir,
                            const std::filesystem::path& scratchDir, bool allowLegacy)
{
    static std::atomic<unsigned> counter {0};
    const auto tokenFile = scratchDir / ("token-" + std::to_string(counter++) + ".json");
    writeFile(tokenFile, token.dump());
    std::vector<std::string> argv = {kVerifyExe,
                                     "--token",
                                     tokenFile.string(),
                                     "--origin",
                                     expectedOrigin,
                                     "--challenge",
                                     base64Encode(challenge),
                                     "--ca",
                                     (pkiDir / "root.pem").string(),
                                     "--intermediate",
                                     (pkiDir / "intermediate.pem").string()};
    if (allowLegacy) {
        argv.emplace_back("--allow-legacy");
    }
    const auto run = runCommand(argv, scratchDir, {}, std::chrono::seconds(60));
    return {run.exitCode, nlohmann::json::parse(run.out, nullptr, false)};
}

}  // namespace cabridge::logintest
