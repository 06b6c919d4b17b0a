#include <cabridge/common/sm2.h>

#include <cabridge/common/openssl_ptr.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

namespace cabridge::sm2 {

namespace {

using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, OpenSslDeleter<&EC_GROUP_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpenSslDeleter<&ECDSA_SIG_free>>;

// ENTL is two bytes of bits.
constexpr std::size_t kMaxSignerIdBytes = 0xFFFF / 8;

using Coordinate = std::array<std::uint8_t, kDigestBytes>;

Coordinate coordinateBytes(const BIGNUM *value) {
    Coordinate out{};
    if (BN_is_negative(value) != 0 || BN_bn2binpad(value, out.data(), static_cast<int>(out.size())) < 0)
        throw std::runtime_error("SM2: a curve value does not fit 32 bytes");
    return out;
}

BignumPtr newBignum() {
    BignumPtr bn(BN_new());
    if (!bn)
        throw std::runtime_error("SM2: out of memory");
    return bn;
}

// a || b || xG || yG of the SM2 curve.
std::array<Coordinate, 4> curveValues() {
    const EcGroupPtr group(EC_GROUP_new_by_curve_name(NID_sm2));
    if (!group)
        throw std::runtime_error("SM2: OpenSSL has no SM2 curve");
    auto a = newBignum();
    auto b = newBignum();
    auto x = newBignum();
    auto y = newBignum();
    if (EC_GROUP_get_curve(group.get(), nullptr, a.get(), b.get(), nullptr) != 1 ||
        EC_POINT_get_affine_coordinates(group.get(), EC_GROUP_get0_generator(group.get()), x.get(), y.get(), nullptr) !=
            1)
        throw std::runtime_error("SM2: cannot read the curve parameters");
    return {coordinateBytes(a.get()), coordinateBytes(b.get()), coordinateBytes(x.get()), coordinateBytes(y.get())};
}

const std::array<Coordinate, 4> &sm2CurveValues() {
    static const std::array<Coordinate, 4> values = curveValues();
    return values;
}

Coordinate publicCoordinate(const EVP_PKEY *key, const char *name) {
    BIGNUM *raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1)
        throw std::runtime_error("SM2: cannot read the public key");
    const BignumPtr value(raw);
    return coordinateBytes(value.get());
}

const EVP_PKEY *certificateKey(const X509 *certificate) {
    if (certificate == nullptr)
        throw std::invalid_argument("SM2: no certificate");
    const EVP_PKEY *key = X509_get0_pubkey(certificate);
    if (key == nullptr)
        throw std::invalid_argument("SM2: the certificate's public key cannot be read");
    return key;
}

Digest sm3(std::span<const std::span<const std::uint8_t>> parts) {
    const EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sm3(), nullptr) != 1)
        throw std::runtime_error("SM2: SM3 is not available");
    for (const auto part : parts) {
        if (EVP_DigestUpdate(ctx.get(), part.data(), part.size()) != 1)
            throw std::runtime_error("SM2: SM3 failed");
    }
    Digest out{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 || length != out.size())
        throw std::runtime_error("SM2: SM3 failed");
    return out;
}

std::span<const std::uint8_t> bytesOf(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t *>(text.data()), text.size()};
}

std::vector<std::uint8_t> encodeDer(const ECDSA_SIG *sig) {
    const int length = i2d_ECDSA_SIG(sig, nullptr);
    if (length <= 0)
        throw std::runtime_error("SM2: cannot encode the signature");
    std::vector<std::uint8_t> der(static_cast<std::size_t>(length));
    unsigned char *cursor = der.data();
    if (i2d_ECDSA_SIG(sig, &cursor) != length)
        throw std::runtime_error("SM2: cannot encode the signature");
    return der;
}

// r and s of a DER signature, both in 1 .. 2^256 - 1; nullptr otherwise.
EcdsaSigPtr parseDer(std::span<const std::uint8_t> der) {
    const unsigned char *cursor = der.data();
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
    if (!sig || cursor != der.data() + der.size())
        return nullptr;
    // Canonical only: the same values re-encoded must give the same bytes.
    const auto encoded = encodeDer(sig.get());
    if (!std::equal(der.begin(), der.end(), encoded.begin(), encoded.end()))
        return nullptr;
    for (const BIGNUM *value : {ECDSA_SIG_get0_r(sig.get()), ECDSA_SIG_get0_s(sig.get())}) {
        if (BN_is_zero(value) != 0 || BN_is_negative(value) != 0 || BN_num_bytes(value) > int{kDigestBytes})
            return nullptr;
    }
    return sig;
}

} // namespace

bool isSm2Key(const EVP_PKEY *key) noexcept {
    if (key == nullptr)
        return false;
    if (EVP_PKEY_is_a(key, "SM2") == 1)
        return true;
    if (EVP_PKEY_is_a(key, "EC") != 1)
        return false;
    std::array<char, 64> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1)
        return false;
    return OBJ_sn2nid(group.data()) == NID_sm2;
}

Digest computeZ(const EVP_PKEY *key, std::string_view signerId) {
    if (!isSm2Key(key))
        throw std::invalid_argument("SM2: not an SM2 public key");
    if (signerId.size() > kMaxSignerIdBytes)
        throw std::invalid_argument("SM2: signer ID longer than 8191 bytes");
    const std::size_t bits = signerId.size() * 8;
    const std::array<std::uint8_t, 2> entl{static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits)};
    const auto &curve = sm2CurveValues();
    const Coordinate x = publicCoordinate(key, OSSL_PKEY_PARAM_EC_PUB_X);
    const Coordinate y = publicCoordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y);
    const std::array<std::span<const std::uint8_t>, 8> parts{entl,     bytesOf(signerId), curve[0], curve[1],
                                                             curve[2], curve[3],          x,        y};
    return sm3(parts);
}

Digest computeZ(const X509 *certificate, std::string_view signerId) {
    return computeZ(certificateKey(certificate), signerId);
}

Digest computeEWithZ(const Digest &z, std::span<const std::uint8_t> message) {
    const std::array<std::span<const std::uint8_t>, 2> parts{z, message};
    return sm3(parts);
}

Digest computeE(const EVP_PKEY *key, std::span<const std::uint8_t> message, std::string_view signerId) {
    return computeEWithZ(computeZ(key, signerId), message);
}

Digest computeE(const X509 *certificate, std::span<const std::uint8_t> message, std::string_view signerId) {
    return computeE(certificateKey(certificate), message, signerId);
}

std::optional<std::vector<std::uint8_t>> derFromDeviceSignature(std::span<const std::uint8_t> signature) {
    std::span<const std::uint8_t> r;
    std::span<const std::uint8_t> s;
    if (signature.size() == kRawSignatureBytes) {
        r = signature.first(kDigestBytes);
        s = signature.subspan(kDigestBytes, kDigestBytes);
    } else if (signature.size() == kPaddedSignatureBytes) {
        const auto zero = [](std::uint8_t b) { return b == 0; };
        const auto rField = signature.first(kPaddedSignatureBytes / 2);
        const auto sField = signature.subspan(kPaddedSignatureBytes / 2);
        if (!std::all_of(rField.begin(), rField.begin() + kDigestBytes, zero) ||
            !std::all_of(sField.begin(), sField.begin() + kDigestBytes, zero))
            return std::nullopt;
        r = rField.last(kDigestBytes);
        s = sField.last(kDigestBytes);
    } else {
        return std::nullopt;
    }
    BignumPtr rValue(BN_bin2bn(r.data(), static_cast<int>(r.size()), nullptr));
    BignumPtr sValue(BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr));
    if (!rValue || !sValue)
        throw std::runtime_error("SM2: out of memory");
    if (BN_is_zero(rValue.get()) != 0 || BN_is_zero(sValue.get()) != 0)
        return std::nullopt;
    const EcdsaSigPtr sig(ECDSA_SIG_new());
    if (!sig || ECDSA_SIG_set0(sig.get(), rValue.get(), sValue.get()) != 1)
        throw std::runtime_error("SM2: out of memory");
    // The signature owns both values now.
    static_cast<void>(rValue.release());
    static_cast<void>(sValue.release());
    return encodeDer(sig.get());
}

std::optional<RawSignature> rawFromDer(std::span<const std::uint8_t> der) {
    const EcdsaSigPtr sig = parseDer(der);
    if (!sig)
        return std::nullopt;
    RawSignature raw{};
    BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), int{kDigestBytes});
    BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + kDigestBytes, int{kDigestBytes});
    return raw;
}

std::optional<PaddedSignature> paddedFromDer(std::span<const std::uint8_t> der) {
    const auto raw = rawFromDer(der);
    if (!raw)
        return std::nullopt;
    PaddedSignature padded{};
    std::copy_n(raw->begin(), kDigestBytes, padded.begin() + kDigestBytes);
    std::copy_n(raw->begin() + kDigestBytes, kDigestBytes, padded.begin() + kPaddedSignatureBytes / 2 + kDigestBytes);
    return padded;
}

} // namespace cabridge::sm2
