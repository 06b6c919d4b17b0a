#include <cabridge/common/encoding.h>
#include <cabridge/common/openssl_ptr.h>
#include <cabridge/support/public_key_info.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

namespace cabridge {
namespace {

using OsslParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpenSslDeleter<&OSSL_PARAM_BLD_free>>;
using OsslParamPtr = std::unique_ptr<OSSL_PARAM, OpenSslDeleter<&OSSL_PARAM_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<&EVP_PKEY_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;

std::optional<std::string> fromParams(const char *type, OSSL_PARAM_BLD *builder) {
    OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder));
    EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY *raw = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    const EvpPkeyPtr key(raw);
    unsigned char *der = nullptr;
    const int length = i2d_PUBKEY(key.get(), &der);
    if (length <= 0 || der == nullptr) {
        ERR_clear_error();
        return std::nullopt;
    }
    std::string text = base64Encode({der, static_cast<std::size_t>(length)});
    OPENSSL_free(der);
    return text;
}

} // namespace

std::optional<std::string> rsaPublicKeyInfo(std::span<const std::uint8_t> modulus,
                                            std::span<const std::uint8_t> exponent) {
    OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
    BignumPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
    BignumPtr e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
    if (!builder || !n || !e || modulus.empty() || exponent.empty() ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
        return std::nullopt;
    return fromParams("RSA", builder.get());
}

std::optional<std::string> ecPublicKeyInfo(const char *curve, std::span<const std::uint8_t> point) {
    OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
    if (!builder || point.empty() ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
        return std::nullopt;
    // OpenSSL 3 keeps SM2 keys under their own type name.
    return fromParams(std::string_view(curve) == "SM2" ? "SM2" : "EC", builder.get());
}

int rsaPublicKeyBits(const std::string &publicKeyInfo) {
    const auto der = base64Decode(publicKeyInfo);
    if (!der)
        return 0;
    const unsigned char *p = der->data();
    const EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())));
    ERR_clear_error();
    return key && EVP_PKEY_is_a(key.get(), "RSA") == 1 ? EVP_PKEY_get_bits(key.get()) : 0;
}

} // namespace cabridge
