// Hostile certificate content on a real token, through the real host: a hundred certificates,
// subjects that are huge or hold bytes that are not text, bytes that are not a certificate at
// all, and certificates that together would make a list-certificates reply over 1 MiB.
// The certificates are made here with OpenSSL and written straight onto the SoftHSM token.
#include "login_scenario.h"
#include "reply_matchers.h"
#include "token_check.h"

#include <cabridge/common/openssl_ptr.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cabridge::logintest {
namespace {

using Bytes = std::vector<std::uint8_t>;

// One P-256 key for every certificate here: only the certificates are under test.
EVP_PKEY* testKey()
{
    static const EvpPkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) throw std::runtime_error("EVP_EC_gen failed");
    return key.get();
}

void addEntry(X509_NAME* name, const char* field, int type, const std::string& value)
{
    if (X509_NAME_add_entry_by_txt(name, field, type, reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
        throw std::runtime_error(std::string("X509_NAME_add_entry_by_txt failed for ") + field);
    }
}

// A certificate signed by testKey(), valid from yesterday for a year, with the subject `fill`
// makes. Nothing checks the chain of these; the host only lists them.
// Raw string types (V_ASN1_UTF8STRING rather than MBSTRING_UTF8) skip OpenSSL's DN length
// limits, so a 30 KB CN can be made.
Bytes makeCertificate(long serial, const std::function<void(X509_NAME*)>& fill)
{
    X509Ptr cert(X509_new());
    if (!cert) throw std::runtime_error("X509_new failed");
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 86400);
    X509_NAME* name = X509_get_subject_name(cert.get());
    fill(name);
    // A short issuer, so the subject under test is in the DER once (it counts against the
    // host's 32 KiB bound once, and a placeholder in it is found once).
    X509_NAME* issuer = X509_get_issuer_name(cert.get());
    addEntry(issuer, "C", V_ASN1_PRINTABLESTRING, "CN");
    addEntry(issuer, "CN", V_ASN1_UTF8STRING, "Hostile Test Issuer");
    X509_set_pubkey(cert.get(), testKey());
    if (X509_sign(cert.get(), testKey(), EVP_sha256()) <= 0) throw std::runtime_error("X509_sign failed");
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    if (len <= 0) throw std::runtime_error("i2d_X509 failed");
    Bytes out(der, der + len);
    OPENSSL_free(der);
    return out;
}

Bytes certificateWithCn(long serial, const std::string& cn, const std::string& ou = "")
{
    return makeCertificate(serial, [&](X509_NAME* name) {
        addEntry(name, "C", V_ASN1_PRINTABLESTRING, "CN");
        addEntry(name, "O", V_ASN1_UTF8STRING, "河北测试单位");
        if (!ou.empty()) addEntry(name, "OU", V_ASN1_UTF8STRING, ou);
        addEntry(name, "CN", V_ASN1_UTF8STRING, cn);
    });
}

// Replaces the one occurrence of `from` in `der` by `to` (same length). OpenSSL will not encode
// a Name whose strings are not valid in their type, so such certificates are made by signing a
// placeholder and patching the bytes afterwards, as a broken CA or a tampered key would hold them.
Bytes patched(Bytes der, const Bytes& from, const Bytes& to)
{
    if (from.size() != to.size()) throw std::logic_error("patch changes the length");
    const auto at = std::search(der.begin(), der.end(), from.begin(), from.end());
    if (at == der.end() || std::search(at + 1, der.end(), from.begin(), from.end()) != der.end()) {
        throw std::logic_error("placeholder not found exactly once");
    }
    std::copy(to.begin(), to.end(), at);
    return der;
}

// A UTF8String placeholder in a CN: tag 0x0C, length, bytes.
Bytes utf8Placeholder(const std::string& text)
{
    // Built in a buffer sized up front: GCC 12 wrongly reports -Warray-bounds when this
    // inserts into a two-byte vector made from an initializer list.
    Bytes out(2 + text.size());
    out[0] = 0x0C;
    out[1] = static_cast<std::uint8_t>(text.size());
    std::copy(text.begin(), text.end(), out.begin() + 2);
    return out;
}

std::string sha256Hex(const Bytes& der)
{
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(der.data(), der.size(), digest);
    std::string hex;
    for (const auto byte : digest) {
        char two[3];
        std::snprintf(two, sizeof two, "%02x", byte);
        hex += two;
    }
    return hex;
}

nlohmann::json listAll(LoginScenario& scenario, HostProcess& host)
{
    return scenario.request(host, "list-certificates", kPortalOrigin, {{"purpose", "any"}});
}

// The listed certificate with this fingerprint, or null.
nlohmann::json listedWith(const nlohmann::json& reply, const std::string& sha256)
{
    for (const auto& cert : reply["result"]["certificates"]) {
        if (cert.value("sha256", "") == sha256) return cert;
    }
    return nullptr;
}

// Every string in the reply is valid UTF-8: HostProcess parsed it (nlohmann refuses invalid
// UTF-8 on input), and a strict dump would throw on any invalid byte.
void expectValidUtf8(const nlohmann::json& reply)
{
    EXPECT_NO_THROW((void)reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict));
}

// The host serves the next request and the good certificate still logs in.
void expectStillServingAndLoggingIn(LoginScenario& scenario, HostProcess& host, const std::string& goodCert)
{
    const auto status = scenario.request(host, "status", kPortalOrigin);
    ASSERT_TRUE(status.contains("result")) << status.dump();
    const auto challenge = randomBytes(32);
    const auto ok = scenario.authenticate(host, scenario.certificateId(host, goodCert), challenge, kTokenPin);
    ASSERT_TRUE(ok.contains("result")) << ok.dump();
    EXPECT_TRUE(opensslVerifies(ok["result"]["token"], kPortalOrigin, challenge));
}

double millisecondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

TEST(HostileCertificates, HundredCertificatesAreAllListedAndTheHostKeepsServing)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec"}));
    constexpr int kCount = 100;
    std::vector<RawCertificateObject> objects;
    std::set<std::string> made;
    for (int i = 0; i < kCount; ++i) {
        char tag[16];
        std::snprintf(tag, sizeof tag, "hundred-%03d", i);
        objects.push_back({certificateWithCn(1000 + i, std::string("张三 ") + tag), tag, tag});
        made.insert(sha256Hex(objects.back().value));
    }
    ASSERT_EQ(made.size(), static_cast<std::size_t>(kCount));

    const auto writeStart = std::chrono::steady_clock::now();
    scenario.writeCertificateObjects(objects);
    const double writeMs = millisecondsSince(writeStart);

    auto host = scenario.startHost();
    const auto listStart = std::chrono::steady_clock::now();
    const auto reply = listAll(scenario, *host);
    const double listMs = millisecondsSince(listStart);
    ASSERT_TRUE(reply.contains("result")) << reply.dump().substr(0, 2000);
    const auto& certs = reply["result"]["certificates"];
    EXPECT_EQ(certs.size(), static_cast<std::size_t>(kCount + 1));
    EXPECT_FALSE(reply["result"].contains("truncated"));

    std::set<std::string> ids;
    std::set<std::string> fingerprints;
    for (const auto& cert : certs) {
        ids.insert(cert.value("id", ""));
        fingerprints.insert(cert.value("sha256", ""));
    }
    EXPECT_EQ(ids.size(), certs.size()) << "ids are not distinct";
    EXPECT_EQ(fingerprints.size(), certs.size()) << "fingerprints are not distinct";
    for (const auto& sha : made) {
        EXPECT_EQ(fingerprints.count(sha), 1U) << "certificate " << sha << " not listed";
    }
    EXPECT_EQ(fingerprints.count(pkiEntry("org-ec").at("sha256").get<std::string>()), 1U);

    // A second listing on the same connection (parsed-certificate cache warm) answers the same.
    const auto warmStart = std::chrono::steady_clock::now();
    const auto again = listAll(scenario, *host);
    const double warmMs = millisecondsSince(warmStart);
    ASSERT_TRUE(again.contains("result"));
    EXPECT_EQ(again["result"]["certificates"].size(), certs.size());
    expectStillServingAndLoggingIn(scenario, *host, "org-ec");

    std::cout << "[ measured ] wrote " << kCount << " certificates in " << writeMs << " ms; list-certificates cold "
              << listMs << " ms, warm " << warmMs << " ms; reply " << reply.dump().size() << " bytes\n";
    RecordProperty("write_ms", std::to_string(static_cast<long>(writeMs)));
    RecordProperty("list_cold_ms", std::to_string(static_cast<long>(listMs)));
}

TEST(HostileCertificates, BrokenSubjectsAndNonCertificatesNeverBreakTheListOrItsUtf8)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec", "org-rsa"}));

    std::string hugeCn;
    while (hugeCn.size() < 30000) hugeCn += "河北";  // 30 KB of valid UTF-8 (3 bytes a character)
    const std::string hugeOu(30000, 'U');
    const Bytes plain = certificateWithCn(7, "李四 plain");

    struct Case {
        std::string label;
        Bytes der;
        bool listed;  // what the host does, and what the faults table says
    };
    const std::vector<Case> cases = {
        {"huge-cn", certificateWithCn(1, hugeCn), true},
        {"huge-ou", certificateWithCn(2, "王五 huge OU", hugeOu), true},
        // Invalid UTF-8 in a UTF8String: C3 28 is a bad continuation, FF/FE never occur, 80 is a
        // lone continuation byte.
        {"bad-utf8",
         patched(certificateWithCn(3, "QZQZQZ"), utf8Placeholder("QZQZQZ"),
                 {0x0C, 6, 0xC3, 0x28, 0xFF, 0xFE, 0x80, 'a'}),
         false},
        // A BMPString (two bytes a character) of odd length 3.
        {"odd-bmp", patched(certificateWithCn(4, "QBQ"), utf8Placeholder("QBQ"), {0x1E, 3, 0x00, 'A', 0x00}), false},
        // A T61String (one byte a character) holding bytes that are not UTF-8.
        {"t61-high-bytes",
         patched(certificateWithCn(5, "QGQG"), utf8Placeholder("QGQG"), {0x14, 4, 0xC3, 0x28, 0xFF, 0xFE}), true},
        {"not-a-cert", Bytes {'n', 'o', 't', ' ', 'a', ' ', 'c', 'e', 'r', 't', 0xFF, 0xFE, 0x00, 0x01}, false},
        {"truncated", Bytes(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(plain.size() / 2)), false},
        {"trailing",
         [&] {
             Bytes der = certificateWithCn(6, "赵六 trailing");
             der.insert(der.end(), {0x00, 0x00, 0xFF});
             return der;
         }(),
         false},
    };
    // The huge subjects stay under the host's 32 KiB bound: they test the subject, not the bound.
    ASSERT_LT(cases[0].der.size(), 32U * 1024);
    ASSERT_LT(cases[1].der.size(), 32U * 1024);
    std::vector<RawCertificateObject> objects;
    objects.reserve(cases.size());
    for (const auto& c : cases) objects.push_back({c.der, "hostile-" + c.label, c.label});
    scenario.writeCertificateObjects(objects);

    auto host = scenario.startHost();
    const auto reply = listAll(scenario, *host);
    ASSERT_TRUE(reply.contains("result")) << reply.dump().substr(0, 2000);
    expectValidUtf8(reply);
    EXPECT_FALSE(reply["result"].contains("truncated"));

    for (const char* good : {"org-ec", "org-rsa"}) {
        EXPECT_FALSE(listedWith(reply, pkiEntry(good).at("sha256")).is_null()) << good << " missing";
    }
    const std::string log = scenario.hostLog();
    for (const auto& c : cases) {
        const auto cert = listedWith(reply, sha256Hex(c.der));
        EXPECT_EQ(!cert.is_null(), c.listed) << c.label;
        if (!c.listed) {
            EXPECT_NE(log.find("certificate \"" + c.label + "\" skipped"), std::string::npos)
                << c.label << " was left out without a word in the log";
        }
    }
    EXPECT_EQ(reply["result"]["certificates"].size(), 2 + 3U);

    // What the listed ones show. The huge values are passed on whole: the DER bound keeps them small
    // enough for the reply, and the extension's chooser is where a long line gets shortened.
    const auto cn = listedWith(reply, sha256Hex(cases[0].der));
    if (!cn.is_null()) {
        EXPECT_EQ(cn["subject"].value("CN", ""), hugeCn);
    }
    const auto ou = listedWith(reply, sha256Hex(cases[1].der));
    if (!ou.is_null()) {
        EXPECT_EQ(ou["subject"].value("OU", ""), hugeOu);
    }
    // The T61String's bytes are read as Latin-1, so they reach the page as valid UTF-8 text.
    const auto t61 = listedWith(reply, sha256Hex(cases[4].der));
    if (!t61.is_null()) {
        EXPECT_EQ(t61["subject"].value("CN", ""), "\u00C3(\u00FF\u00FE") << t61["subject"].dump();
        EXPECT_NE(t61["subject"].value("dn", "").find("CN=\u00C3(\u00FF\u00FE"), std::string::npos)
            << t61["subject"].dump();
    }

    expectStillServingAndLoggingIn(scenario, *host, "org-ec");
}

TEST(HostileCertificates, ListOverOneMebibyteIsCutBeforeTheLimitAndSaysTruncated)
{
    LoginScenario scenario(ScenarioOptions::token({"org-ec"}));
    // 48 certificates of about 24.5 KB DER (1.2 MB together; each CertInfo about 80 KB, since the
    // OU is in the DER, the DN and the OU field), and one of 40 KB, over the 32 KiB bound.
    constexpr int kBig = 48;
    std::vector<RawCertificateObject> objects;
    std::set<std::string> big;
    std::size_t totalDer = 0;
    for (int i = 0; i < kBig; ++i) {
        char tag[16];
        std::snprintf(tag, sizeof tag, "big-%02d", i);
        objects.push_back(
            {certificateWithCn(2000 + i, tag, std::string(24000, static_cast<char>('a' + i % 26))), tag, tag});
        big.insert(sha256Hex(objects.back().value));
        totalDer += objects.back().value.size();
    }
    ASSERT_GT(totalDer, 1048576U);
    const Bytes oversize = certificateWithCn(3000, "oversize", std::string(40000, 'Z'));
    ASSERT_GT(oversize.size(), 32U * 1024);
    objects.push_back({oversize, "oversize", "oversize"});
    scenario.writeCertificateObjects(objects);

    auto host = scenario.startHost();
    for (const nlohmann::json& arguments :
         {nlohmann::json {{"purpose", "any"}}, nlohmann::json {{"vendor", "hebca"}}}) {
        const auto reply = scenario.request(*host, "list-certificates", kPortalOrigin, arguments);
        ASSERT_TRUE(reply.contains("result")) << reply.dump().substr(0, 2000);
        // The host writes the reply as nlohmann dumps it compactly; the same dump here is its size.
        const std::size_t size = reply.dump().size();
        EXPECT_LE(size, 1048576U);
        EXPECT_EQ(reply["result"].value("truncated", false), true);
        const auto& certs = reply["result"]["certificates"];
        EXPECT_GT(certs.size(), 0U);
        EXPECT_LT(certs.size(), static_cast<std::size_t>(kBig + 1));
        std::set<std::string> ids;
        for (const auto& cert : certs) {
            const std::string sha = cert.value("sha256", "");
            EXPECT_TRUE(big.count(sha) == 1 || sha == pkiEntry("org-ec").at("sha256").get<std::string>()) << sha;
            ids.insert(cert.value("id", ""));
        }
        EXPECT_EQ(ids.size(), certs.size());
        EXPECT_TRUE(listedWith(reply, sha256Hex(oversize)).is_null()) << "the 40 KB certificate was listed";
        // The person's own certificate (a few KiB) is kept; the oversized ones make way.
        EXPECT_FALSE(listedWith(reply, pkiEntry("org-ec").at("sha256")).is_null()) << "org-ec was left out";
        // Nothing is left out silently: the log counts what was listed and what was not.
        const std::string counted = std::to_string(certs.size()) + " certificates listed, " +
                                    std::to_string(kBig + 1 - certs.size()) + " left out";
        EXPECT_NE(scenario.hostLog().find(counted), std::string::npos) << "log lacks \"" << counted << "\"";
        std::cout << "[ measured ] " << certs.size() << " of " << kBig + 1 << " listed, reply " << size << " bytes ("
                  << totalDer << " bytes of DER on the token)\n";
    }
    EXPECT_NE(scenario.hostLog().find("certificate \"oversize\" skipped"), std::string::npos);
    expectStillServingAndLoggingIn(scenario, *host, "org-ec");
}

}  // namespace
}  // namespace cabridge::logintest
