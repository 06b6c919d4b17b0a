// verify_auth_token on tokens signed in the test with the end entities' private keys.
#include <set>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cabridge/common/encoding.h>
#include "verify_fixture.h"

namespace cabridge::verify::test {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

class Verifier : public ::testing::Test {
 protected:
  Verifier() : pki_(TestPki::get()), roots_(pki_.trusted_roots()), intermediates_(pki_.intermediates()) {}

  VerifyResult verify(const std::string& token_text, std::string_view origin = kOriginA,
                      const Bytes* challenge = nullptr, bool allow_legacy = false,
                      std::optional<system_clock::time_point> at = std::nullopt) {
    VerifyRequest request;
    request.token_json = token_text;
    request.expected_origin = origin;
    request.challenge = challenge ? *challenge : challenge_;
    request.trusted = &roots_;
    request.intermediates = &intermediates_;
    request.allow_legacy = allow_legacy;
    request.at = at;
    return verify_auth_token(request);
  }
  VerifyResult verify(const json& token, std::string_view origin = kOriginA) { return verify(token.dump(), origin); }

  const EndEntity& entity(const std::string& name) const { return pki_.entities.at(name); }

  static std::string code_of(const VerifyResult& result) {
    return result.valid() ? "VALID" : std::string(error_code_name(result.failure().code));
  }

  const TestPki& pki_;
  CertificateSet roots_, intermediates_;
  Bytes challenge_ = random_bytes(32);
  // Legacy mode signs only text (8..256 bytes of UTF-8 without control characters).
  Bytes text_challenge_ = bytes_of("HeBCA-legacy-challenge-20261207-8c1f");
};

TEST_F(Verifier, ValidRs256TokenIsAcceptedWithIdentity) {
  const auto result = verify(make_token(entity("rsa"), "RS256", kOriginA, challenge_));
  ASSERT_TRUE(result.valid()) << result.failure().message;
  const auto& token = result.token();
  EXPECT_EQ(token.algorithm, "RS256");
  EXPECT_EQ(token.origin, kOriginA);
  EXPECT_EQ(token.mode, TokenMode::OriginBound);
  EXPECT_EQ(token.subject.CN, "河北测试科技有限公司");
  EXPECT_EQ(token.subject.ST, "河北省");
  EXPECT_EQ(token.subject.dn, "CN=河北测试科技有限公司,O=河北测试科技有限公司,L=石家庄市,ST=河北省,C=CN");
  EXPECT_EQ(token.issuer.CN, "HEBCA Test SM CA");
  EXPECT_EQ(token.serial_number, "1001");
  EXPECT_EQ(token.sha256.size(), 64u);
  EXPECT_EQ(token.identity.unified_social_credit_code, "91110000600037341L");
  EXPECT_EQ(token.identity.usc_valid, true);
  EXPECT_EQ(token.identity.vendor_unique_id, "2@6021SF091110000600037341L");
  EXPECT_EQ(token.not_before.size(), 20u);
}

TEST_F(Verifier, ValidEs256AndEs384TokensAreAccepted) {
  const auto es256 = verify(make_token(entity("ec256"), "ES256", kOriginA, challenge_));
  ASSERT_TRUE(es256.valid()) << es256.failure().message;
  EXPECT_EQ(es256.token().identity.unified_social_credit_code, "91350100M000100Y43");  // from OU
  const auto es384 = verify(make_token(entity("ec384"), "ES384", kOriginA, challenge_));
  ASSERT_TRUE(es384.valid()) << es384.failure().message;
  EXPECT_EQ(es384.token().algorithm, "ES384");
}

TEST_F(Verifier, TokenForOriginAIsRefusedAtOriginB) {
  const auto result = verify(make_token(entity("ec256"), "ES256", kOriginA, challenge_), kOriginB);
  EXPECT_EQ(code_of(result), "ORIGIN_MISMATCH");
  // Origins compare exactly: no case folding, no trailing slash, no default port.
  for (const std::string& near :
       {std::string(kOriginA) + "/", std::string(kOriginA) + ":443", std::string("HTTPS://si.hebei.example.gov.cn")})
    EXPECT_EQ(code_of(verify(make_token(entity("ec256"), "ES256", kOriginA, challenge_), near)), "ORIGIN_MISMATCH");
}

TEST_F(Verifier, TamperedSignatureIsRefused) {
  for (const char* name : {"rsa", "ec256", "ec384"}) {
    const char* alg = std::string_view(name) == "rsa" ? "RS256" : std::string_view(name) == "ec256" ? "ES256" : "ES384";
    auto token = make_token(entity(name), alg, kOriginA, challenge_);
    auto signature = *cabridge::base64Decode(token["signature"].get<std::string>());
    signature[signature.size() / 2] ^= 0x01;
    token["signature"] = base64(signature);
    EXPECT_EQ(code_of(verify(token)), "SIGNATURE_INVALID") << name;
  }
}

TEST_F(Verifier, TamperedOriginIsRefused) {
  // The attacker relabels a token phished on origin B as origin A.
  auto token = make_token(entity("ec256"), "ES256", kOriginB, challenge_);
  token["origin"] = kOriginA;
  EXPECT_EQ(code_of(verify(token)), "SIGNATURE_INVALID");
}

TEST_F(Verifier, SwappedCertificateIsRefused) {
  auto token = make_token(entity("rsa"), "RS256", kOriginA, challenge_);
  token["certificate"] = base64(derOf(entity("rsa2").cert.get()));
  EXPECT_EQ(code_of(verify(token)), "SIGNATURE_INVALID");
}

TEST_F(Verifier, TokenForAnotherChallengeIsRefused) {
  const Bytes other = random_bytes(32);
  const auto token = make_token(entity("ec256"), "ES256", kOriginA, other);
  EXPECT_EQ(code_of(verify(token.dump(), kOriginA, &challenge_)), "SIGNATURE_INVALID");
  EXPECT_TRUE(verify(token.dump(), kOriginA, &other).valid());
}

TEST_F(Verifier, UntrustedRootIsRefused) {
  EXPECT_EQ(code_of(verify(make_token(entity("rogue"), "ES256", kOriginA, challenge_))), "CHAIN_UNTRUSTED");
}

TEST_F(Verifier, ChainNeedsTheIntermediateUnlessItIsTrustedItself) {
  const auto token = make_token(entity("ec256"), "ES256", kOriginA, challenge_).dump();
  CertificateSet none;
  VerifyRequest request;
  request.token_json = token;
  request.expected_origin = kOriginA;
  request.challenge = challenge_;
  request.trusted = &roots_;
  request.intermediates = &none;
  EXPECT_EQ(code_of(verify_auth_token(request)), "CHAIN_UNTRUSTED");
  request.trusted = &intermediates_;  // the portal trusts its CA's intermediate directly
  EXPECT_TRUE(verify_auth_token(request).valid());
  CertificateSet empty;
  request.trusted = &empty;
  EXPECT_EQ(code_of(verify_auth_token(request)), "CHAIN_UNTRUSTED");
  request.trusted = nullptr;
  EXPECT_EQ(code_of(verify_auth_token(request)), "CHAIN_UNTRUSTED");
}

TEST_F(Verifier, ExpiredAndNotYetValidCertificatesFollowTheVerificationTime) {
  const auto expired = make_token(entity("expired"), "ES256", kOriginA, challenge_).dump();
  EXPECT_EQ(code_of(verify(expired)), "CERTIFICATE_EXPIRED");
  const auto back_then = system_clock::now() - std::chrono::hours(24 * 365);
  EXPECT_TRUE(verify(expired, kOriginA, nullptr, false, back_then).valid());

  const auto notyet = make_token(entity("notyet"), "ES256", kOriginA, challenge_).dump();
  EXPECT_EQ(code_of(verify(notyet)), "CERTIFICATE_NOT_YET_VALID");
  const auto later = system_clock::now() + std::chrono::hours(24 * 60);
  EXPECT_TRUE(verify(notyet, kOriginA, nullptr, false, later).valid());

  // A valid certificate checked 20 years on.
  const auto good = make_token(entity("ec256"), "ES256", kOriginA, challenge_).dump();
  EXPECT_EQ(code_of(verify(good, kOriginA, nullptr, false, system_clock::now() + std::chrono::hours(24 * 7300))),
            "CERTIFICATE_EXPIRED");
}

TEST_F(Verifier, KeyUsageMustAllowSigning) {
  EXPECT_EQ(code_of(verify(make_token(entity("encipher"), "ES256", kOriginA, challenge_))), "KEY_USAGE");
  EXPECT_EQ(code_of(verify(make_token(entity("nonrep"), "ES256", kOriginA, challenge_))), "KEY_USAGE");
  EXPECT_TRUE(verify(make_token(entity("nousage"), "ES256", kOriginA, challenge_)).valid());
  // Legacy signatures are accepted with nonRepudiation (what HeBCA's back ends check).
  const auto legacy = make_token(entity("nonrep"), "ES256", kOriginA, text_challenge_, "legacy").dump();
  EXPECT_TRUE(verify(legacy, kOriginA, &text_challenge_, true).valid());
  const auto legacy_enc = make_token(entity("encipher"), "ES256", kOriginA, text_challenge_, "legacy").dump();
  EXPECT_EQ(code_of(verify(legacy_enc, kOriginA, &text_challenge_, true)), "KEY_USAGE");
}

TEST_F(Verifier, LegacyTokenOnlyWhenAllowed) {
  const Bytes& text = text_challenge_;
  const auto legacy = make_token(entity("rsa"), "RS256", kOriginA, text, "legacy").dump();
  EXPECT_EQ(code_of(verify(legacy, kOriginA, &text)), "LEGACY_NOT_ALLOWED");
  const auto result = verify(legacy, kOriginA, &text, true);
  ASSERT_TRUE(result.valid()) << result.failure().message;
  EXPECT_EQ(result.token().mode, TokenMode::Legacy);
  // An origin-bound signature relabelled as legacy does not verify, nor the other way round.
  auto relabelled = make_token(entity("rsa"), "RS256", kOriginA, text);
  relabelled["mode"] = "legacy";
  EXPECT_EQ(code_of(verify(relabelled.dump(), kOriginA, &text, true)), "SIGNATURE_INVALID");
  auto as_bound = json::parse(legacy);
  as_bound["mode"] = "origin-bound";
  EXPECT_EQ(code_of(verify(as_bound.dump(), kOriginA, &text)), "SIGNATURE_INVALID");
  // Explicit "origin-bound" is the default.
  EXPECT_TRUE(verify(make_token(entity("rsa"), "RS256", kOriginA, challenge_, "origin-bound")).valid());
}

TEST_F(Verifier, LegacyChallengeMustBeText) {
  auto legacy_code = [&](const Bytes& challenge) {
    const auto token = make_token(entity("ec256"), "ES256", kOriginA, challenge, "legacy").dump();
    return code_of(verify(token, kOriginA, &challenge, true));
  };
  EXPECT_EQ(legacy_code(bytes_of("12345678")), "VALID");                  // 8 bytes
  EXPECT_EQ(legacy_code(Bytes(256, 'a')), "VALID");                       // 256 bytes
  EXPECT_EQ(legacy_code(bytes_of("登录挑战 ~ 河北社保 2026")), "VALID");  // UTF-8, spaces and '~'
  EXPECT_EQ(legacy_code(bytes_of("1234567")), "CHALLENGE_INVALID");
  EXPECT_EQ(legacy_code(Bytes(257, 'a')), "CHALLENGE_INVALID");
  Bytes with_zero = bytes_of("challenge-with-a-zero-byte");
  with_zero[9] = 0;
  EXPECT_EQ(legacy_code(with_zero), "CHALLENGE_INVALID");
  for (const std::uint8_t control :
       {std::uint8_t{0x01}, std::uint8_t{0x09}, std::uint8_t{0x0a}, std::uint8_t{0x1f}, std::uint8_t{0x7f}}) {
    Bytes bad = bytes_of("challenge-text");
    bad[4] = control;
    EXPECT_EQ(legacy_code(bad), "CHALLENGE_INVALID") << int{control};
  }
  EXPECT_EQ(legacy_code(bytes_of("caf\xc3 text")), "CHALLENGE_INVALID");        // cut UTF-8 sequence
  EXPECT_EQ(legacy_code(bytes_of("overlong \xc0\xaf!")), "CHALLENGE_INVALID");  // overlong '/'
  EXPECT_EQ(legacy_code(bytes_of("surrogate \xed\xa0\x80")), "CHALLENGE_INVALID");
  // 64 random bytes: with overwhelming probability not text; forced to hold a zero byte here.
  Bytes random = random_bytes(64);
  random[0] = 0;
  EXPECT_EQ(legacy_code(random), "CHALLENGE_INVALID");
}

// Issue #13: a page on an origin allowed legacy mode asks for a legacy signature over
// H("https://victim") || H(victim's challenge) and relabels the token as an origin-bound login
// for the victim. Format 2's prefix makes that signature worthless as a login.
TEST_F(Verifier, LegacySignatureOverALoginMessageIsNoLogin) {
  const auto& key = entity("rsa");
  const Bytes victim_challenge = random_bytes(32);
  const Bytes forged_challenge = format1_message("RS256", kOriginA, victim_challenge);
  ASSERT_EQ(forged_challenge.size(), 64u);
  const Bytes signature = sign_message(key.key.get(), "RS256", forged_challenge);

  json token = make_token(key, "RS256", kOriginB, forged_challenge, "legacy");
  token["signature"] = base64(signature);
  // As the legacy token it is, over the 64 chosen bytes: not a text challenge.
  EXPECT_EQ(code_of(verify(token.dump(), kOriginB, &forged_challenge, true)), "CHALLENGE_INVALID");
  // Relabelled as the victim's origin-bound login.
  token["origin"] = kOriginA;
  token["mode"] = "origin-bound";
  EXPECT_EQ(code_of(verify(token.dump(), kOriginA, &victim_challenge)), "SIGNATURE_INVALID");
  token.erase("mode");
  EXPECT_EQ(code_of(verify(token.dump(), kOriginA, &victim_challenge)), "SIGNATURE_INVALID");
  // Claiming the retired format, under which that signature was a valid login, is refused.
  token["format"] = "cabridge-auth:1";
  const auto retired = verify(token.dump(), kOriginA, &victim_challenge);
  EXPECT_EQ(code_of(retired), "FORMAT");
  EXPECT_NE(retired.failure().message.find("retired"), std::string::npos) << retired.failure().message;
}

TEST_F(Verifier, Format1TokensAreRefused) {
  // A genuine format-1 token (what an old host made) is refused whatever its signature.
  json token = make_token(entity("ec256"), "ES256", kOriginA, challenge_);
  token["signature"] = base64(
      sign_message(entity("ec256").key.get(), "ES256", format1_message("ES256", kOriginA, challenge_)));
  token["format"] = "cabridge-auth:1";
  EXPECT_EQ(code_of(verify(token)), "FORMAT");
  // Its signature does not pass as format 2 either.
  token["format"] = "cabridge-auth:2";
  EXPECT_EQ(code_of(verify(token)), "SIGNATURE_INVALID");
  // A legacy token claiming format 1 is refused too.
  auto legacy = make_token(entity("ec256"), "ES256", kOriginA, text_challenge_, "legacy");
  legacy["format"] = "cabridge-auth:1";
  EXPECT_EQ(code_of(verify(legacy.dump(), kOriginA, &text_challenge_, true)), "FORMAT");
}

TEST_F(Verifier, CrlRevokesTheCertificate) {
  const auto now = std::time(nullptr);
  const auto crl_of = [&](const std::vector<long>& serials, std::time_t last, std::time_t next) {
    CrlSet set;
    set.add_pem(make_crl_pem(pki_.intermediate.get(), pki_.intermediate_key.get(), serials, last, next));
    return set;
  };
  auto code_with = [&](const json& token, const CrlSet* crls) {
    VerifyRequest request;
    const std::string text = token.dump();
    request.token_json = text;
    request.expected_origin = kOriginA;
    request.challenge = challenge_;
    request.trusted = &roots_;
    request.intermediates = &intermediates_;
    request.crls = crls;
    return code_of(verify_auth_token(request));
  };
  const json rsa = make_token(entity("rsa"), "RS256", kOriginA, challenge_);   // serial 0x1001
  const json ec = make_token(entity("ec256"), "ES256", kOriginA, challenge_);  // serial 0x1003

  const CrlSet revoking_rsa = crl_of({0x1001, 0x2000}, now - 3600, now + 86400);
  EXPECT_EQ(code_with(rsa, &revoking_rsa), "CERTIFICATE_REVOKED");
  EXPECT_EQ(code_with(ec, &revoking_rsa), "VALID");
  EXPECT_EQ(code_with(rsa, nullptr), "VALID");  // no CRLs given: no revocation check

  // Asked to check, but no current CRL of the issuer: refused, not waved through.
  const CrlSet empty;
  EXPECT_EQ(code_with(ec, &empty), "CHAIN_UNTRUSTED");
  const CrlSet stale = crl_of({}, now - std::time_t{7} * 86400, now - 86400);
  EXPECT_EQ(code_with(ec, &stale), "CHAIN_UNTRUSTED");
  CrlSet forged;  // names the intermediate as issuer but is signed by another key
  forged.add_pem(make_crl_pem(pki_.intermediate.get(), pki_.other_root_key.get(), {}, now - 3600, now + 86400));
  EXPECT_EQ(code_with(ec, &forged), "CHAIN_UNTRUSTED");
  CrlSet roots_only;  // the root's CRL says nothing about end entities
  roots_only.add_pem(make_crl_pem(pki_.root.get(), pki_.root_key.get(), {}, now - 3600, now + 86400));
  EXPECT_EQ(code_with(ec, &roots_only), "CHAIN_UNTRUSTED");
}

TEST(CrlSet, RefusesTextWithoutCrlsOrWithABrokenBlock) {
  CrlSet set;
  EXPECT_THROW(set.add_pem("no CRL here"), std::invalid_argument);
  EXPECT_THROW(set.add_pem("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"), std::invalid_argument);
  EXPECT_THROW(set.add_der(bytes_of("not DER")), std::invalid_argument);
  EXPECT_EQ(set.size(), 0u);
}

TEST_F(Verifier, ChallengeLengthBounds) {
  for (std::size_t n : {std::size_t{0}, std::size_t{31}, std::size_t{1025}}) {
    const Bytes c = random_bytes(n == 0 ? 1 : n);
    const Bytes challenge(c.begin(), c.begin() + static_cast<long>(n));
    const auto token = make_token(entity("ec256"), "ES256", kOriginA, challenge).dump();
    EXPECT_EQ(code_of(verify(token, kOriginA, &challenge)), "CHALLENGE_INVALID") << n;
  }
  for (std::size_t n : {std::size_t{32}, std::size_t{1024}}) {
    const Bytes challenge = random_bytes(n);
    const auto token = make_token(entity("ec256"), "ES256", kOriginA, challenge).dump();
    EXPECT_TRUE(verify(token, kOriginA, &challenge).valid()) << n;
  }
}

TEST_F(Verifier, AlgorithmMustFitTheKey) {
  auto token = make_token(entity("ec256"), "ES256", kOriginA, challenge_);
  token["algorithm"] = "ES384";
  EXPECT_EQ(code_of(verify(token)), "ALGORITHM_MISMATCH");
  token["algorithm"] = "RS256";
  EXPECT_EQ(code_of(verify(token)), "ALGORITHM_MISMATCH");
  token["algorithm"] = "SM2-SM3";
  EXPECT_EQ(code_of(verify(token)), "ALGORITHM_MISMATCH");
  for (const char* unknown : {"HS256", "none", "es256", "PS256", ""}) {
    token["algorithm"] = unknown;
    EXPECT_EQ(code_of(verify(token)), "UNSUPPORTED_ALGORITHM") << unknown;
  }
  // Keys we do not verify at all: Ed25519 and P-521.
  for (const char* name : {"ed25519", "p521"}) {
    auto other = make_token(entity("ec256"), "ES256", kOriginA, challenge_);
    other["certificate"] = base64(derOf(entity(name).cert.get()));
    EXPECT_EQ(code_of(verify(other)), "UNSUPPORTED_ALGORITHM") << name;
  }
}

TEST_F(Verifier, MalformedTokensAreFormatErrors) {
  const json good = make_token(entity("ec256"), "ES256", kOriginA, challenge_);
  std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"not json", "hello"},
      {"truncated", good.dump().substr(0, good.dump().size() - 1)},
      {"array", "[]"},
      {"string", "\"token\""},
      {"null", "null"},
      {"invalid utf-8", "{\"format\":\"\xff\xfe\"}"},
      {"deep nesting", std::string(100000, '[') + std::string(100000, ']')},
      {"huge", "{\"x\":\"" + std::string(std::size_t{1024} * 1024, 'a') + "\"}"},
  };
  for (const char* field : {"format", "certificate", "algorithm", "signature", "origin", "appVersion"}) {
    json missing = good;
    missing.erase(field);
    cases.push_back({std::string("missing ") + field, missing.dump()});
    for (const json& wrong : {json(1), json(nullptr), json(true), json::array({"x"}), json::object()}) {
      json typed = good;
      typed[field] = wrong;
      cases.push_back({std::string("wrong type ") + field + " " + wrong.dump(), typed.dump()});
    }
  }
  auto with = [&](const char* key, json value) {
    json t = good;
    t[key] = std::move(value);
    return t.dump();
  };
  cases.push_back({"extra field", with("extra", "x")});
  cases.push_back({"mode wrong type", with("mode", 1)});
  cases.push_back({"mode unknown", with("mode", "origin-free")});
  cases.push_back({"format wrong", with("format", "cabridge-auth:3")});
  cases.push_back({"format retired", with("format", "cabridge-auth:1")});
  cases.push_back({"certificate not base64", with("certificate", "MIIB!!==")});
  cases.push_back({"certificate base64url", with("certificate", "-_-_")});
  cases.push_back({"certificate empty", with("certificate", "")});
  cases.push_back({"certificate not DER", with("certificate", base64(bytes_of("not a certificate at all")))});
  Bytes trailing = derOf(entity("ec256").cert.get());
  trailing.push_back(0);
  cases.push_back({"certificate trailing byte", with("certificate", base64(trailing))});
  Bytes truncated = derOf(entity("ec256").cert.get());
  truncated.resize(truncated.size() - 10);
  cases.push_back({"certificate truncated", with("certificate", base64(truncated))});
  cases.push_back({"signature not base64", with("signature", "abc")});
  cases.push_back({"signature empty", with("signature", "")});
  cases.push_back({"origin empty", with("origin", "")});
  cases.push_back({"origin too long", with("origin", "https://" + std::string(300, 'a'))});

  for (const auto& [name, text] : cases) {
    const auto result = verify(text);
    ASSERT_FALSE(result.valid()) << name;
    EXPECT_EQ(code_of(result), "FORMAT") << name << ": " << result.failure().message;
  }
}

TEST_F(Verifier, InsignificantWhitespaceIsAccepted) {
  // Insignificant whitespace is fine.
  const json good = make_token(entity("ec256"), "ES256", kOriginA, challenge_);
  EXPECT_TRUE(verify(good.dump(2)).valid());
}

TEST_F(Verifier, ResultJsonHasTheDocumentedShape) {
  const auto ok = json::parse(result_to_json(verify(make_token(entity("rsa"), "RS256", kOriginA, challenge_))));
  EXPECT_EQ(ok["valid"], true);
  EXPECT_EQ(ok["mode"], "origin-bound");
  EXPECT_EQ(ok["algorithm"], "RS256");
  EXPECT_EQ(ok["subject"]["O"], "河北测试科技有限公司");
  EXPECT_FALSE(ok["subject"].contains("OU"));
  EXPECT_EQ(ok["issuer"]["CN"], "HEBCA Test SM CA");
  EXPECT_EQ(ok["serialNumber"], "1001");
  EXPECT_EQ(ok["identity"]["unifiedSocialCreditCode"], "91110000600037341L");
  EXPECT_EQ(ok["identity"]["uscValid"], true);
  EXPECT_TRUE(ok["identity"]["idNumber"].is_null());
  for (const char* key : {"origin", "sha256", "notBefore", "notAfter"}) EXPECT_TRUE(ok[key].is_string()) << key;

  const auto bad = json::parse(result_to_json(verify(std::string("{"))));
  EXPECT_EQ(bad["valid"], false);
  EXPECT_EQ(bad["error"], "FORMAT");
  EXPECT_TRUE(bad["message"].get<std::string>().find("JSON") != std::string::npos);
}

// identity has one shape, the host's CertInfo.identity too: all four keys, null when absent.
TEST_F(Verifier, ResultIdentityAlwaysHasAllFourKeys) {
  const json full = json::parse(result_to_json(verify(make_token(entity("rsa"), "RS256", kOriginA, challenge_))));
  const json& identity = full.at("identity");
  EXPECT_EQ(identity.size(), 4u) << identity.dump();
  for (const char* key : {"unifiedSocialCreditCode", "uscValid", "idNumber", "vendorUniqueId"})
    EXPECT_TRUE(identity.contains(key)) << key;
  EXPECT_TRUE(identity.at("idNumber").is_null());

  VerifiedToken bare;  // a certificate that carries no identity at all
  const json none = json::parse(result_to_json(VerifyResult(bare))).at("identity");
  EXPECT_EQ(none, (json{{"unifiedSocialCreditCode", nullptr},
                        {"uscValid", nullptr},
                        {"idNumber", nullptr},
                        {"vendorUniqueId", nullptr}}));
}

TEST_F(Verifier, ErrorCodesHaveDistinctNamesAndExitCodes) {
  std::set<std::string_view> names;
  std::set<int> exits;
  for (int i = 0; i <= static_cast<int>(ErrorCode::CertificateRevoked); ++i) {
    names.insert(error_code_name(static_cast<ErrorCode>(i)));
    exits.insert(error_exit_code(static_cast<ErrorCode>(i)));
  }
  EXPECT_EQ(names.size(), 12u);
  EXPECT_EQ(exits.size(), 12u);
  EXPECT_EQ(error_exit_code(ErrorCode::Format), 10);
  EXPECT_EQ(error_exit_code(ErrorCode::LegacyNotAllowed), 20);
  EXPECT_EQ(error_exit_code(ErrorCode::CertificateRevoked), 21);
  EXPECT_EQ(error_code_name(ErrorCode::CertificateRevoked), "CERTIFICATE_REVOKED");
}

TEST(CertificateSet, RefusesTextWithoutCertificatesOrWithABrokenBlock) {
  CertificateSet set;
  EXPECT_THROW(set.add_pem(""), std::invalid_argument);
  EXPECT_THROW(set.add_pem("hello"), std::invalid_argument);
  const std::string pem = pemOf(TestPki::get().root.get());
  std::string broken = pem;
  broken[broken.size() / 2] = '*';
  EXPECT_THROW(set.add_pem(broken), std::invalid_argument);
  EXPECT_THROW(set.add_pem(pem + broken), std::invalid_argument);
  EXPECT_THROW(set.add_der(bytes_of("nope")), std::invalid_argument);
  EXPECT_EQ(set.size(), 0u);
  set.add_pem(pem + pemOf(TestPki::get().intermediate.get()));
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace cabridge::verify::test
