// Fuzz target: hostile certificate DER. Runs what the host does with a
// certificate a token hands it (host/src/engine/cert_info.cpp: CertInfo facts, id,
// purpose, algorithm) and the identity reader
// (common/ identity.*, shared by the plugins and the verifier: credit code,
// ID number, HeBCA unique id), and the SM2 plugins' Z of a certificate's key
// (common/ sm2_certificate_z.*).
// Checks the documented promises: a hex SHA-256, a 32-hex-digit id, identity
// values that passed their check digits when the header says they did.
#include "fuzz_target.h"

#include <cabridge/host/cert_info.h>

#include <cabridge/common/identity.h>
#include <cabridge/common/identity_codes.h>
#include <cabridge/common/openssl_ptr.h>
#include <cabridge/common/sm2.h>
#include <cabridge/common/sm2_certificate_z.h>

#include <openssl/x509.h>

#include <array>
#include <chrono>
#include <span>
#include <string>

namespace {

using cabridge::fuzz::require;

// A fixed clock, so a run does not depend on the day (2027-06-01T00:00:00Z).
constexpr std::chrono::system_clock::time_point kNow {std::chrono::seconds {1811808000}};

bool isLowerHex(const std::string& text)
{
    return text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

void checkHostFacts(std::span<const std::uint8_t> der)
{
    cabridge::CertificateFacts facts;
    try {
        facts = cabridge::describeCertificate(der, kNow);
    } catch (const cabridge::CertificateParseError&) {
        return;  // the documented refusal
    }
    require(facts.sha256Hex.size() == 64 && isLowerHex(facts.sha256Hex), "sha256Hex is not 64 hex digits");
    require(facts.info.is_object(), "CertInfo facts are not an object");
    require(facts.keyType == "RSA" || facts.keyType == "EC" || facts.keyType == "SM2", "unknown keyType");
    // The reply serializer replaces invalid UTF-8; it must not throw on what a certificate holds.
    (void)facts.info.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string id = cabridge::certificateId("hebca", "0123456789abcdef", facts.sha256Hex);
    require(id.size() == 32 && isLowerHex(id), "certificate id is not 32 hex digits");
    (void)cabridge::suitsPurpose(facts, "login");
    (void)cabridge::suitsPurpose(facts, "sign");
    require(cabridge::suitsPurpose(facts, "any"), "purpose \"any\" refused a certificate");
    const std::string algorithm = cabridge::signatureAlgorithmFor(facts);
    require(algorithm.empty() || algorithm == "RS256" || algorithm == "ES256" || algorithm == "ES384" ||
                algorithm == "SM2-SM3",
            "unknown signature algorithm");
}

void checkIdentity(std::span<const std::uint8_t> der)
{
    const auto identity = cabridge::extractIdentity(der, cabridge::kHebcaUniqueIdOid);
    if (identity.uscValid) {
        require(identity.unifiedSocialCreditCode.has_value() &&
                    cabridge::isValidUnifiedSocialCreditCode(*identity.unifiedSocialCreditCode),
                "uscValid set for a code that fails GB 32100");
    }
    if (identity.idNumber) {
        require(cabridge::isValidResidentIdNumber(*identity.idNumber), "idNumber fails GB 11643");
    }
    const auto json = cabridge::identityToJson(identity);
    require(json.is_object(), "identityToJson is not an object");
    (void)json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// What an SM2 plugin signs for this certificate: e from the remembered Z (asked twice, so the
// second answer comes from the memo) must be what computeE gives for the parsed key, and there
// must be one exactly when the bytes are one certificate with an SM2 key.
void checkSm2Digest(std::span<const std::uint8_t> der)
{
    static constexpr std::array<std::uint8_t, 3> kMessage {'a', 'b', 'c'};
    const auto first = cabridge::sm2::certificateE(der, kMessage);
    const auto second = cabridge::sm2::certificateE(der, kMessage);
    require(first == second, "certificateE changed its answer");
    const unsigned char* cursor = der.data();
    const cabridge::X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    const bool sm2Certificate = certificate && cursor == der.data() + der.size() &&
                                cabridge::sm2::isSm2Key(X509_get0_pubkey(certificate.get()));
    require(first.has_value() == sm2Certificate, "certificateE and the parser disagree on an SM2 certificate");
    if (first) {
        require(*first == cabridge::sm2::computeE(certificate.get(), kMessage), "certificateE is not computeE");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> bytes(data, size);
    checkHostFacts(bytes);
    checkIdentity(bytes);
    checkSm2Digest(bytes);
    // The same bytes as an extension value and as candidate identity numbers.
    require(cabridge::extensionText(bytes, 64).size() <= 64, "extensionText exceeded its cap");
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (cabridge::isValidUnifiedSocialCreditCode(text)) {
        require(text.size() == 18 && cabridge::isCreditCodeAlphabet(text), "valid credit code of wrong shape");
    }
    if (cabridge::isValidResidentIdNumber(text)) {
        require(text.size() == 18, "valid ID number of wrong length");
    }
    return 0;
}
