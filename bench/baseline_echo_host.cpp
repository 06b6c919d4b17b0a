// Baseline for the benchmarks: the least a native-messaging host can do while
// still answering like cabridge-host. Reads framed requests until end of input,
// echoes each request's id and answers
//   status            -> a one-plugin status (same shape as the real host's)
//   list-certificates -> one canned CertInfo of the real one's size class
//                        (an RSA-2048 certificate with a Chinese subject, ~1.1 KB DER, and
//                        the vendor's name and help texts as the real listing carries them)
//   anything else     -> an empty result
// No token, no plugin, no policy: what remains is framing + JSON, so the
// difference to cabridge-host is the cost of the real work.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include <nlohmann/json.hpp>

namespace {
bool read_all(int fd, void *buf, size_t n) {
    auto *p = static_cast<char *>(buf);
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

bool write_all(int fd, const void *buf, size_t n) {
    const auto *p = static_cast<const char *>(buf);
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) return false;
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

// The certificate bytes only set the reply's size; the extension does not
// parse them on the status/list path. 1,100 bytes ~ the test PKI's org-rsa DER.
std::string canned_certificate_base64() {
    static const char *const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    constexpr size_t kDerBytes = 1100;
    std::string out;
    for (size_t i = 0; i < kDerBytes * 4 / 3; ++i) out += alphabet[(i * 37 + 11) % 64];
    return out;
}

nlohmann::json canned_status() {
    return {{"version", "0.1.0"},
            {"protocol", 1},
            {"originAllowed", true},
            {"plugins",
             nlohmann::json::array({{{"id", "hebca"}, {"name", "河北 CA"}, {"version", "0.1.0"}, {"state", "ok"}}})}};
}

// Five help texts of the length a CA's are (about 60 Chinese characters each).
nlohmann::json canned_help() {
    const std::string text =
        "请登录证书服务机构的网上服务大厅办理相关业务，也可以携带证书 USB Key 到服务网点办理。"
        "如需帮助，请拨打客服热线。";
    nlohmann::json help = nlohmann::json::object();
    for (const char *kind : {"renew", "unlock", "lost", "reinsert", "contact"})
        help[kind] = {{"text", text}, {"url", "https://www.example.com"}};
    return help;
}

nlohmann::json canned_certificates() {
    const nlohmann::json name = {{"dn", "CN=河北测试科技有限公司,O=河北测试科技有限公司,L=石家庄市,ST=河北省,C=CN"},
                                 {"CN", "河北测试科技有限公司"},
                                 {"O", "河北测试科技有限公司"},
                                 {"L", "石家庄市"},
                                 {"ST", "河北省"},
                                 {"C", "CN"}};
    const nlohmann::json issuer = {{"dn", "CN=HEBCA Test SM CA,O=河北省电子认证有限公司 (test),ST=河北省,C=CN"},
                                   {"CN", "HEBCA Test SM CA"},
                                   {"O", "河北省电子认证有限公司 (test)"},
                                   {"ST", "河北省"},
                                   {"C", "CN"}};
    nlohmann::json cert = {{"id", "3f1c2a9be07d4c55a1e6b8d09f2c7e41"},
                           {"vendor", "hebca"},
                           {"vendorName", "河北 CA"},
                           {"help", canned_help()},
                           {"token",
                            {{"label", "HEBCA-BENCH"},
                             {"serial", "5c1e0a7d3b9f2468"},
                             {"manufacturer", "SoftHSM project"},
                             {"model", "SoftHSM v2"},
                             {"pinFlags", {{"countLow", false}, {"finalTry", false}, {"locked", false}}},
                             {"retriesLeft", nullptr}}},
                           {"subject", name},
                           {"issuer", issuer},
                           {"serialNumber", "4e0f6b2d9a1c3e5f7a8b9c0d1e2f3a4b5c6d7e8f"},
                           {"notBefore", "2026-11-27T23:00:00Z"},
                           {"notAfter", "2028-11-26T23:00:00Z"},
                           {"daysLeft", 729},
                           {"expired", false},
                           {"keyType", "RSA"},
                           {"keyBits", 2048},
                           {"keyUsage", {"digitalSignature", "nonRepudiation"}},
                           {"extendedKeyUsage", {"clientAuth"}},
                           {"identity",
                            {{"unifiedSocialCreditCode", "91130100MA07RK3C2F"},
                             {"uscValid", true},
                             {"vendorUniqueId", "2@6021SF091130100MA07RK3C2F"}}},
                           {"certificate", canned_certificate_base64()},
                           {"sha256", "9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f"}};
    return {{"certificates", nlohmann::json::array({cert})}, {"originTrusted", false}};
}

std::string reply_for(const std::string &body) {
    const auto request = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    nlohmann::json reply = {{"id", nullptr}};
    if (request.is_object() && request.contains("id")) reply["id"] = request["id"];
    const std::string command = request.is_object() && request.value("command", nlohmann::json()).is_string()
                                    ? request["command"].get<std::string>()
                                    : "";
    if (command == "status") {
        reply["result"] = canned_status();
    } else if (command == "list-certificates") {
        reply["result"] = canned_certificates();
    } else {
        reply["result"] = nlohmann::json::object();
    }
    return reply.dump();
}
}  // namespace

int main() {
    try {
        uint32_t len = 0;
        while (read_all(0, &len, sizeof len)) {
            if (len > 1024 * 1024) return 1;
            std::string body(len, '\0');
            if (!read_all(0, body.data(), len)) return 1;
            const std::string reply = reply_for(body);
            const uint32_t out = static_cast<uint32_t>(reply.size());
            if (!write_all(1, &out, sizeof out) || !write_all(1, reply.data(), reply.size())) return 1;
        }
        return 0;
    } catch (const std::exception &e) {  // e.g. a body that is not JSON
        std::fprintf(stderr, "baseline_echo_host: %s\n", e.what());
        return 1;
    }
}
