#include "signature_algorithm.h"

#include <array>
#include <string>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <cabridge/common/auth_message.h>

#include "openssl_ptr.h"
#include "verify_error.h"

namespace cabridge::verify::detail {
namespace {

const EVP_MD* digest_of(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::RS256:
    case SignatureAlgorithm::ES256: return EVP_sha256();
    case SignatureAlgorithm::ES384: return EVP_sha384();
    case SignatureAlgorithm::SM2_SM3: return EVP_sm3();
  }
  return nullptr;
}

std::optional<std::string> ec_group_name(const EVP_PKEY* key) {
  std::array<char, 80> name{};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(), &length) != 1)
    return std::nullopt;
  return std::string(name.data(), length);
}

}  // namespace

std::string_view algorithm_name(SignatureAlgorithm alg) noexcept {
  switch (alg) {
    case SignatureAlgorithm::RS256: return "RS256";
    case SignatureAlgorithm::ES256: return "ES256";
    case SignatureAlgorithm::ES384: return "ES384";
    case SignatureAlgorithm::SM2_SM3: return "SM2-SM3";
  }
  return "";
}

std::optional<SignatureAlgorithm> parse_algorithm_name(std::string_view name) noexcept {
  for (auto alg :
       {SignatureAlgorithm::RS256, SignatureAlgorithm::ES256, SignatureAlgorithm::ES384, SignatureAlgorithm::SM2_SM3})
    if (algorithm_name(alg) == name) return alg;
  return std::nullopt;
}

std::optional<SignatureAlgorithm> algorithm_for_key(const EVP_PKEY* key) {
  // EVP_PKEY_is_a "RSA" excludes RSA-PSS keys, which RS256 (PKCS#1 v1.5) cannot use.
  if (EVP_PKEY_is_a(key, "RSA")) return SignatureAlgorithm::RS256;
  if (EVP_PKEY_is_a(key, "SM2")) return SignatureAlgorithm::SM2_SM3;
  if (EVP_PKEY_is_a(key, "EC")) {
    const auto group = ec_group_name(key);
    if (group == "prime256v1" || group == "P-256") return SignatureAlgorithm::ES256;
    if (group == "secp384r1" || group == "P-384") return SignatureAlgorithm::ES384;
    if (group == "SM2") return SignatureAlgorithm::SM2_SM3;
  }
  return std::nullopt;
}

SignatureAlgorithm require_algorithm_fits_key(std::string_view token_algorithm, const EVP_PKEY* key) {
  const auto named = parse_algorithm_name(token_algorithm);
  if (!named)
    throw VerifyError(ErrorCode::UnsupportedAlgorithm,
                      "token algorithm is not one of RS256, ES256, ES384, SM2-SM3 / 令牌签名算法不受支持");
  const auto fitting = algorithm_for_key(key);
  if (!fitting)
    throw VerifyError(ErrorCode::UnsupportedAlgorithm,
                      "the certificate's key type is not supported (RSA, EC P-256/P-384, SM2) / 证书密钥类型不受支持");
  if (*named != *fitting)
    throw VerifyError(ErrorCode::AlgorithmMismatch,
                      "token algorithm " + std::string(algorithm_name(*named)) + " does not fit the certificate key (" +
                          std::string(algorithm_name(*fitting)) + " expected) / 令牌签名算法与证书密钥不符");
  return *named;
}

std::vector<std::uint8_t> signed_message(SignatureAlgorithm alg, TokenMode mode, std::string_view origin,
                                         std::span<const std::uint8_t> challenge) {
  if (mode == TokenMode::Legacy) return {challenge.begin(), challenge.end()};
  return originBoundMessage(digest_of(alg), origin, challenge);
}

bool signature_matches(SignatureAlgorithm alg, EVP_PKEY* key, std::span<const std::uint8_t> message,
                       std::span<const std::uint8_t> signature) {
  // Declared before md_ctx so it outlives it: a pkey ctx handed to EVP_MD_CTX_set_pkey_ctx stays
  // owned by the caller.
  EvpPkeyCtxPtr sm2_ctx;
  EvpMdCtxPtr md_ctx(EVP_MD_CTX_new());
  if (!md_ctx) throw std::bad_alloc();
  if (alg == SignatureAlgorithm::SM2_SM3) {
    // The signer id must be in place before init, since SM2's Z value is computed from it.
    sm2_ctx.reset(EVP_PKEY_CTX_new(key, nullptr));
    if (!sm2_ctx ||
        EVP_PKEY_CTX_set1_id(sm2_ctx.get(), kSm2SignerId.data(), static_cast<int>(kSm2SignerId.size())) != 1) {
      ERR_clear_error();
      return false;
    }
    EVP_MD_CTX_set_pkey_ctx(md_ctx.get(), sm2_ctx.get());
  }
  EVP_PKEY_CTX* key_ctx = nullptr;  // owned by md_ctx (or sm2_ctx)
  bool ok = EVP_DigestVerifyInit(md_ctx.get(), &key_ctx, digest_of(alg), nullptr, key) == 1;
  if (ok && alg == SignatureAlgorithm::RS256) ok = EVP_PKEY_CTX_set_rsa_padding(key_ctx, RSA_PKCS1_PADDING) == 1;
  ok = ok && EVP_DigestVerify(md_ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
  ERR_clear_error();  // a failed check leaves reasons on the queue; the caller reports its own
  return ok;
}

}  // namespace cabridge::verify::detail
