// verify_auth_token: the checks in their documented order (docs/verifying.md).
#include <limits>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cabridge/common/auth_message.h>

#include "auth_token.h"
#include "cabridge/verify.h"
#include "certificate_chain.h"
#include "certificate_fields.h"
#include "identity.h"
#include "openssl_ptr.h"
#include "signature_algorithm.h"
#include "verify_error.h"

namespace cabridge::verify {
namespace {

using detail::VerifyError;

constexpr std::size_t kMinChallengeBytes = 32;
constexpr std::size_t kMaxChallengeBytes = 1024;

void require_valid_challenge(std::span<const std::uint8_t> challenge, TokenMode mode) {
  if (mode == TokenMode::Legacy) {
    // The host signs a legacy challenge as it is, so it takes only text (docs/protocol.md); a
    // legacy token over anything else did not come from a current host.
    if (!isLegacyChallengeText(challenge))
      throw VerifyError(ErrorCode::ChallengeInvalid,
                        "a legacy challenge must be 8 to 256 bytes of UTF-8 text without control characters / "
                        "旧式挑战值必须是 8 到 256 字节且不含控制字符的 UTF-8 文本");
    return;
  }
  if (challenge.size() < kMinChallengeBytes || challenge.size() > kMaxChallengeBytes)
    throw VerifyError(ErrorCode::ChallengeInvalid, "challenge must be 32 to 1024 bytes, got " +
                                                       std::to_string(challenge.size()) +
                                                       " / 挑战值长度必须为 32 到 1024 字节");
}

detail::X509Ptr parse_certificate(const std::vector<std::uint8_t>& der) {
  if (der.size() > static_cast<std::size_t>(std::numeric_limits<long>::max()))
    throw VerifyError(ErrorCode::Format, "token certificate too large / 令牌证书过大");
  const unsigned char* cursor = der.data();
  detail::X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!cert || cursor != der.data() + der.size())
    throw VerifyError(ErrorCode::Format, "token certificate is not a DER X.509 certificate / 令牌中的证书无法解析");
  detail::set_sm2_signer_id_if_needed(cert.get());
  return cert;
}

void require_valid_at(const X509* cert, std::time_t at) {
  std::time_t when = at;
  const int before_start = X509_cmp_time(X509_get0_notBefore(cert), &when);
  const int after_end = X509_cmp_time(X509_get0_notAfter(cert), &when);
  if (before_start == 0 || after_end == 0)
    throw VerifyError(ErrorCode::Format, "certificate validity dates do not parse / 证书有效期无法解析");
  // X509_cmp_time: -1 when the certificate's time is at or before `when`, 1 when after.
  if (before_start > 0)
    throw VerifyError(
        ErrorCode::CertificateNotYetValid,
        "certificate is not valid before " + detail::iso8601_utc(X509_get0_notBefore(cert)) + " / 证书尚未生效");
  if (after_end < 0)
    throw VerifyError(
        ErrorCode::CertificateExpired,
        "certificate expired at " + detail::iso8601_utc(X509_get0_notAfter(cert)) + " / 证书已过期，请更新证书");
}

void require_key_usage(X509* cert, TokenMode mode) {
  const std::uint32_t usage = X509_get_key_usage(cert);
  if (usage == std::numeric_limits<std::uint32_t>::max()) return;  // no keyUsage extension
  const std::uint32_t needed = mode == TokenMode::Legacy ? (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)
                                                         : KU_DIGITAL_SIGNATURE;
  if ((usage & needed) == 0)
    throw VerifyError(
        ErrorCode::KeyUsage,
        mode == TokenMode::Legacy
            ? "certificate keyUsage has neither digitalSignature nor nonRepudiation / 证书密钥用法不允许签名"
            : "certificate keyUsage lacks digitalSignature / 证书密钥用法不允许登录签名");
}

VerifiedToken check_all(const VerifyRequest& request) {
  const detail::AuthToken token = detail::parse_auth_token(request.token_json);
  if (token.mode == TokenMode::Legacy && !request.allow_legacy)
    throw VerifyError(ErrorCode::LegacyNotAllowed,
                      "legacy (not origin-bound) tokens are not allowed here / 此处不接受未绑定来源的旧式令牌");
  require_valid_challenge(request.challenge, token.mode);
  if (token.origin != request.expected_origin)
    throw VerifyError(ErrorCode::OriginMismatch,
                      "token was made for a different origin than this portal's / 令牌来源与本网站不符");

  detail::X509Ptr cert = parse_certificate(token.certificate_der);
  EVP_PKEY* public_key = X509_get0_pubkey(cert.get());
  ERR_clear_error();
  if (public_key == nullptr)
    throw VerifyError(ErrorCode::UnsupportedAlgorithm, "certificate public key cannot be read / 无法读取证书公钥");
  const auto algorithm = detail::require_algorithm_fits_key(token.algorithm, public_key);
  const auto message = detail::signed_message(algorithm, token.mode, token.origin, request.challenge);
  if (!detail::signature_matches(algorithm, public_key, message, token.signature))
    throw VerifyError(ErrorCode::SignatureInvalid,
                      "signature does not verify for this origin and challenge / 签名验证失败");

  const std::time_t at = std::chrono::system_clock::to_time_t(request.at.value_or(std::chrono::system_clock::now()));
  require_valid_at(cert.get(), at);
  detail::require_trusted_chain(cert.get(), request.trusted, request.intermediates, request.crls, at);
  require_key_usage(cert.get(), token.mode);

  VerifiedToken verified;
  verified.origin = token.origin;
  verified.mode = token.mode;
  verified.algorithm = std::string(detail::algorithm_name(algorithm));
  verified.subject = detail::read_name(X509_get_subject_name(cert.get()));
  verified.issuer = detail::read_name(X509_get_issuer_name(cert.get()));
  verified.serial_number = detail::serial_hex(cert.get());
  verified.sha256 = detail::sha256_hex(token.certificate_der);
  verified.not_before = detail::iso8601_utc(X509_get0_notBefore(cert.get()));
  verified.not_after = detail::iso8601_utc(X509_get0_notAfter(cert.get()));
  verified.identity = detail::extract_identity(cert.get());
  return verified;
}

}  // namespace

VerifyResult verify_auth_token(const VerifyRequest& request) {
  try {
    return VerifyResult(check_all(request));
  } catch (const VerifyError& error) {
    ERR_clear_error();
    return VerifyResult(VerifyFailure{error.code(), error.what()});
  }
}

}  // namespace cabridge::verify
