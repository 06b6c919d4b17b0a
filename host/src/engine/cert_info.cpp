#include "cert_info.h"

#include <cabridge/common/encoding.h>

#include <cabridge/common/openssl_ptr.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cmath>
#include <ctime>
#include <memory>

namespace cabridge {
namespace {

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free>>;
using BnPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, OpenSslDeleter<&EXTENDED_KEY_USAGE_free>>;

struct OpenSslFree {
    void operator()(void* p) const noexcept { OPENSSL_free(p); }
};

std::string nameToRfc2253(const X509_NAME* name)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
        throw CertificateParseError("cannot print distinguished name");
    }
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

nlohmann::json nameToJson(const X509_NAME* name)
{
    nlohmann::json out = {{"dn", nameToRfc2253(name)}};
    const std::pair<const char*, int> fields[] = {
        {"CN", NID_commonName}, {"O", NID_organizationName},     {"OU", NID_organizationalUnitName},
        {"C", NID_countryName}, {"ST", NID_stateOrProvinceName}, {"L", NID_localityName}};
    for (const auto& [key, nid] : fields) {
        const int index = X509_NAME_get_index_by_NID(name, nid, -1);
        if (index < 0) {
            continue;
        }
        const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
        unsigned char* utf8 = nullptr;
        const int len = ASN1_STRING_to_UTF8(&utf8, data);
        if (len < 0) {
            continue;
        }
        std::unique_ptr<unsigned char, OpenSslFree> owned(utf8);
        out[key] = std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    }
    return out;
}

std::time_t toUnixTime(const ASN1_TIME* time)
{
    std::tm tm {};
    if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
        throw CertificateParseError("unreadable validity date");
    }
    return ::timegm(&tm);
}

std::string toIso8601(std::time_t t)
{
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string serialHex(const ASN1_INTEGER* serial)
{
    BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!bn) {
        throw CertificateParseError("unreadable serial number");
    }
    std::unique_ptr<char, OpenSslFree> hex(BN_bn2hex(bn.get()));
    if (!hex) {
        throw CertificateParseError("unreadable serial number");
    }
    return hex.get();
}

std::string groupName(const EVP_PKEY* key)
{
    char name[80] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) {
        return "";
    }
    std::string group(name, len);
    if (group == "prime256v1" || group == "P-256") return "P-256";
    if (group == "secp384r1" || group == "P-384") return "P-384";
    if (group == "secp521r1" || group == "P-521") return "P-521";
    if (group == "SM2" || group == "sm2") return "SM2";
    return group;
}

nlohmann::json keyUsageNames(X509* cert, CertificateFacts& facts)
{
    nlohmann::json names = nlohmann::json::array();
    if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) == 0) {
        return names;
    }
    facts.hasKeyUsage = true;
    const std::uint32_t usage = X509_get_key_usage(cert);
    const std::pair<std::uint32_t, const char*> bits[] = {{KU_DIGITAL_SIGNATURE, "digitalSignature"},
                                                          {KU_NON_REPUDIATION, "nonRepudiation"},
                                                          {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
                                                          {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
                                                          {KU_KEY_AGREEMENT, "keyAgreement"},
                                                          {KU_KEY_CERT_SIGN, "keyCertSign"},
                                                          {KU_CRL_SIGN, "cRLSign"},
                                                          {KU_ENCIPHER_ONLY, "encipherOnly"},
                                                          {KU_DECIPHER_ONLY, "decipherOnly"}};
    for (const auto& [bit, name] : bits) {
        if (usage & bit) {
            names.push_back(name);
        }
    }
    facts.digitalSignature = (usage & KU_DIGITAL_SIGNATURE) != 0;
    facts.nonRepudiation = (usage & KU_NON_REPUDIATION) != 0;
    return names;
}

nlohmann::json extendedKeyUsageNames(X509* cert)
{
    nlohmann::json names = nlohmann::json::array();
    int critical = 0;
    EkuPtr eku(static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, &critical, nullptr)));
    if (!eku) {
        return names;
    }
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        const ASN1_OBJECT* obj = sk_ASN1_OBJECT_value(eku.get(), i);
        switch (OBJ_obj2nid(obj)) {
        case NID_server_auth:
            names.push_back("serverAuth");
            break;
        case NID_client_auth:
            names.push_back("clientAuth");
            break;
        case NID_code_sign:
            names.push_back("codeSigning");
            break;
        case NID_email_protect:
            names.push_back("emailProtection");
            break;
        case NID_time_stamp:
            names.push_back("timeStamping");
            break;
        case NID_OCSP_sign:
            names.push_back("OCSPSigning");
            break;
        case NID_anyExtendedKeyUsage:
            names.push_back("anyExtendedKeyUsage");
            break;
        default: {
            char oid[128];
            if (OBJ_obj2txt(oid, sizeof oid, obj, 1) > 0) {
                names.push_back(oid);
            }
        }
        }
    }
    return names;
}

}  // namespace

void updateValidity(CertificateFacts& facts, std::chrono::system_clock::time_point now)
{
    const std::time_t nowT = std::chrono::system_clock::to_time_t(now);
    facts.info["daysLeft"] = static_cast<long long>(std::floor(static_cast<double>(facts.notAfter - nowT) / 86400.0));
    facts.expired = nowT > facts.notAfter;
    facts.notYetValid = nowT < facts.notBefore;
    facts.info["expired"] = facts.expired;
}

CertificateFacts describeCertificate(std::span<const std::uint8_t> der, std::chrono::system_clock::time_point now)
{
    if (der.empty() || der.size() > std::size_t {64} * 1024) {
        throw CertificateParseError("certificate is empty or larger than 64 KiB");
    }
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) {
        throw CertificateParseError("not a DER X.509 certificate");
    }
    if (p != der.data() + der.size()) {
        throw CertificateParseError("trailing bytes after the certificate");
    }
    CertificateFacts facts;
    auto& info = facts.info;
    info["subject"] = nameToJson(X509_get_subject_name(cert.get()));
    info["issuer"] = nameToJson(X509_get_issuer_name(cert.get()));
    info["serialNumber"] = serialHex(X509_get0_serialNumber(cert.get()));

    facts.notBefore = toUnixTime(X509_get0_notBefore(cert.get()));
    facts.notAfter = toUnixTime(X509_get0_notAfter(cert.get()));
    info["notBefore"] = toIso8601(facts.notBefore);
    info["notAfter"] = toIso8601(facts.notAfter);
    updateValidity(facts, now);

    EVP_PKEY* key = X509_get0_pubkey(cert.get());  // owned by the certificate
    if (key == nullptr) {
        throw CertificateParseError("unreadable public key");
    }
    if (EVP_PKEY_is_a(key, "RSA")) {
        facts.keyType = "RSA";
    } else if (EVP_PKEY_is_a(key, "SM2")) {
        facts.keyType = "SM2";
        facts.curve = "SM2";
    } else if (EVP_PKEY_is_a(key, "EC")) {
        facts.curve = groupName(key);
        facts.keyType = facts.curve == "SM2" ? "SM2" : "EC";
    } else {
        throw CertificateParseError("public key is neither RSA, EC nor SM2");
    }
    info["keyType"] = facts.keyType;
    info["keyBits"] = EVP_PKEY_get_bits(key);
    info["keyUsage"] = keyUsageNames(cert.get(), facts);
    info["extendedKeyUsage"] = extendedKeyUsageNames(cert.get());

    facts.sha256Hex = certificateSha256Hex(der);
    info["certificate"] = base64Encode(der);
    info["sha256"] = facts.sha256Hex;
    return facts;
}

std::string certificateSha256Hex(std::span<const std::uint8_t> der)
{
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(der.data(), der.size(), digest);
    return hexEncode(digest);
}

std::string certificateId(const std::string& vendor, const std::string& tokenSerial, const std::string& sha256Hex)
{
    std::string input = vendor;
    input.push_back('\0');
    input += tokenSerial;
    input.push_back('\0');
    input += sha256Hex;
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    return hexEncode(digest).substr(0, 32);
}

bool suitsPurpose(const CertificateFacts& facts, std::string_view purpose)
{
    if (purpose == "login") {
        return !facts.hasKeyUsage || facts.digitalSignature;
    }
    if (purpose == "sign") {
        return facts.nonRepudiation;
    }
    return true;
}

std::string signatureAlgorithmFor(const CertificateFacts& facts)
{
    if (facts.keyType == "RSA") return "RS256";
    if (facts.keyType == "SM2") return "SM2-SM3";
    if (facts.curve == "P-256") return "ES256";
    if (facts.curve == "P-384") return "ES384";
    return "";
}

nlohmann::json certInfoIdentity(const nlohmann::json& fromPlugin)
{
    const auto stringOrNull = [&](const char* key) {
        const auto it = fromPlugin.is_object() ? fromPlugin.find(key) : fromPlugin.end();
        return it != fromPlugin.end() && it->is_string() ? *it : nlohmann::json(nullptr);
    };
    nlohmann::json identity = {{"unifiedSocialCreditCode", stringOrNull("unifiedSocialCreditCode")},
                               {"uscValid", nullptr},
                               {"idNumber", stringOrNull("idNumber")},
                               {"vendorUniqueId", stringOrNull("vendorUniqueId")}};
    if (!identity["unifiedSocialCreditCode"].is_null()) {
        const auto it = fromPlugin.find("uscValid");
        identity["uscValid"] = it != fromPlugin.end() && it->is_boolean() && it->get<bool>();
    }
    return identity;
}

}  // namespace cabridge
