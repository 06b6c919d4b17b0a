#include "soft_sm2_signer.h"

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <memory>

namespace softsm2p11 {
namespace {

struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};
struct SigFree {
    void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};

constexpr std::size_t kMaxDer = 80;  // SEQUENCE of two INTEGERs of up to 33 bytes

}  // namespace

std::optional<std::vector<std::uint8_t>> signMessage(EVP_PKEY* key, std::span<const std::uint8_t> id,
                                                     std::span<const std::uint8_t> message)
{
    // The pkey ctx is declared first so it outlives the md ctx that borrows it.
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> pctx(EVP_PKEY_CTX_new(key, nullptr));
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> mctx(EVP_MD_CTX_new());
    if (!pctx || !mctx || EVP_PKEY_CTX_set1_id(pctx.get(), id.data(), static_cast<int>(id.size())) != 1)
        return std::nullopt;
    EVP_MD_CTX_set_pkey_ctx(mctx.get(), pctx.get());
    std::vector<std::uint8_t> der(kMaxDer);
    std::size_t length = der.size();
    if (EVP_DigestSignInit(mctx.get(), nullptr, EVP_sm3(), nullptr, key) != 1 ||
        EVP_DigestSign(mctx.get(), der.data(), &length, message.data(), message.size()) != 1)
        return std::nullopt;
    der.resize(length);
    return der;
}

std::optional<std::vector<std::uint8_t>> signDigest(EVP_PKEY* key, std::span<const std::uint8_t> e)
{
    // EVP_PKEY_sign on an SM2 key signs the bytes it is given as e (no digest is set).
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(key, nullptr));
    std::vector<std::uint8_t> der(kMaxDer);
    std::size_t length = der.size();
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
        EVP_PKEY_sign(ctx.get(), der.data(), &length, e.data(), e.size()) != 1)
        return std::nullopt;
    der.resize(length);
    return der;
}

std::optional<std::vector<std::uint8_t>> derToRaw(std::span<const std::uint8_t> der)
{
    const unsigned char* p = der.data();
    std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) return std::nullopt;
    std::vector<std::uint8_t> raw(64);
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + 32, 32) != 32)
        return std::nullopt;
    return raw;
}

}  // namespace softsm2p11
