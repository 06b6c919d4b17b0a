// A software-token vendor plugin for the host's integration tests: it speaks
// the real plugin C ABI (plugins/include/cabridge/plugin.h) and keeps its
// "tokens" in its JSON config: certificates as DER files, private keys as PEM
// files, signing with OpenSSL. Config switches make it misbehave the ways real
// vendor code does: fail create, hang or crash in a named call, count down PIN tries.
//
// Built six times: the normal plugin, one that announces ABI 99 (TEST_ABI_VERSION), one
// that exports no entry point (TEST_NO_ENTRY), two that crash while starting: in create
// (TEST_CRASH_IN_CREATE) and in a static constructor when loaded (TEST_CRASH_AT_LOAD), and
// one built against the header before check_certificate existed: it has list_token and its
// table ends there (TEST_WITH_LIST_TOKEN).
#include <cabridge/plugin.h>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#ifndef TEST_ABI_VERSION
#define TEST_ABI_VERSION CABRIDGE_PLUGIN_ABI_VERSION
#endif

struct cabridge_plugin {
    nlohmann::json config;
    std::string loggedInToken;
};

namespace {

void fail(cabridge_error* err, const std::string& message)
{
    std::snprintf(err->message, sizeof err->message, "%s", message.c_str());
}

// "hang": <call> never returns from that call; "crash": <call> ends the process there with
// SIGSEGV, as vendor code with a wild pointer does. "hangListWhile": <directory> makes
// list_tokens hang while that directory exists (a test removes it to make the same build, of
// the same identity, answer again: a directory is not part of a plugin's identity).
void hangIf(const cabridge_plugin* self, const char* call)
{
    if (self->config.value("hang", "") == call) {
        for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (std::strcmp(call, "list_tokens") == 0 && self->config.contains("hangListWhile")) {
        struct stat st {};
        while (::stat(self->config.value("hangListWhile", "").c_str(), &st) == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    if (self->config.value("crash", "") == call) {
        std::raise(SIGSEGV);
    }
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string base64(const std::string& bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

void writeJson(cabridge_sink out, const nlohmann::json& json)
{
    const std::string text = json.dump();
    out.write(out.ctx, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

nlohmann::json* findToken(cabridge_plugin* self, const char* ref)
{
    for (auto& token : self->config["tokens"]) {
        if (token.value("serial", "") == ref) return &token;
    }
    return nullptr;
}

#ifdef TEST_CRASH_AT_LOAD
// Runs at dlopen, before the host can call anything: the way a vendor library with a broken
// static initialiser fails.
__attribute__((constructor)) void crashAtLoad()
{
    std::raise(SIGSEGV);
}
#endif

cabridge_status create(const char* config_json, cabridge_plugin** out, cabridge_error* err)
{
#ifdef TEST_CRASH_IN_CREATE
    std::raise(SIGSEGV);
#endif
    auto config = nlohmann::json::parse(config_json, nullptr, false);
    if (!config.is_object()) {
        fail(err, "config is not an object");
        return CABRIDGE_ERR_INVALID_CONFIG;
    }
    if (config.value("failCreate", false)) {
        fail(err, "configured to fail create");
        return CABRIDGE_ERR_INVALID_CONFIG;
    }
    if (config.value("hang", "") == "create") {
        for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (!config.contains("tokens")) config["tokens"] = nlohmann::json::array();
    std::unique_ptr<cabridge_plugin> plugin(new cabridge_plugin {std::move(config), {}});
    *out = plugin.release();  // the host owns it until destroy()
    return CABRIDGE_OK;
}

void destroy(cabridge_plugin* self)
{
    std::unique_ptr<cabridge_plugin> owned(self);
}

cabridge_status describe(cabridge_plugin* self, cabridge_sink out, cabridge_error*)
{
    hangIf(self, "describe");
    nlohmann::json d = {{"id", "soft"}, {"name", "软件测试证书"}, {"version", "9.9.9"}};
    for (const char* key : {"origins", "legacyOrigins", "enrollOrigins", "pin", "help"}) {
        if (self->config.contains(key)) d[key] = self->config[key];
    }
    writeJson(out, d);
    return CABRIDGE_OK;
}

cabridge_status list_tokens(cabridge_plugin* self, cabridge_sink out, cabridge_error*)
{
    hangIf(self, "list_tokens");
    nlohmann::json tokens = nlohmann::json::array();
    for (const auto& token : self->config["tokens"]) {
        const int retries = token.value("retries", 10);
        nlohmann::json certs = nlohmann::json::array();
        int n = 0;
        for (const auto& cert : token.value("certificates", nlohmann::json::array())) {
            certs.push_back({{"ref", std::to_string(n++)},
                             {"label", cert.value("label", "")},
                             {"der", cert.contains("derBase64") ? cert["derBase64"].get<std::string>()
                                                                : base64(readFile(cert.value("der", "")))}});
        }
        tokens.push_back(
            {{"ref", token.value("serial", "")},
             {"label", token.value("label", "")},
             {"serial", token.value("serial", "")},
             {"manufacturer", "cabridge tests"},
             {"model", "soft"},
             {"pinFlags", {{"countLow", retries < 10}, {"finalTry", retries == 1}, {"locked", retries == 0}}},
             {"retriesLeft", token.value("reportRetries", true) ? nlohmann::json(retries) : nullptr},
             {"certificates", certs}});
    }
    writeJson(out, tokens);
    return CABRIDGE_OK;
}

#ifdef TEST_WITH_LIST_TOKEN
cabridge_status list_token(cabridge_plugin* self, const char* token_ref, cabridge_sink out, cabridge_error* err)
{
    std::string all;
    cabridge_sink collect {&all, [](void* ctx, const std::uint8_t* data, std::size_t len) {
                               static_cast<std::string*>(ctx)->append(reinterpret_cast<const char*>(data), len);
                           }};
    const cabridge_status status = list_tokens(self, collect, err);
    if (status != CABRIDGE_OK) return status;
    nlohmann::json one = nlohmann::json::array();
    for (const auto& token : nlohmann::json::parse(all)) {
        if (token.value("ref", "") == token_ref) one.push_back(token);
    }
    writeJson(out, one);
    return CABRIDGE_OK;
}
#endif

cabridge_status identify(cabridge_plugin* self, const std::uint8_t*, std::size_t len, cabridge_sink out,
                         cabridge_error*)
{
    hangIf(self, "identify");
    writeJson(out, {{"vendorUniqueId", "soft-" + std::to_string(len)}});
    return CABRIDGE_OK;
}

cabridge_status login(cabridge_plugin* self, const char* token_ref, const char* pin, std::size_t pin_len,
                      cabridge_error* err)
{
    hangIf(self, "login");
    auto* token = findToken(self, token_ref);
    if (token == nullptr) {
        fail(err, "no such token");
        return CABRIDGE_ERR_NO_TOKEN;
    }
    int retries = token->value("retries", 10);
    if (retries == 0) {
        fail(err, "locked");
        return CABRIDGE_ERR_PIN_LOCKED;
    }
    if (std::string(pin, pin_len) != token->value("pin", "")) {
        (*token)["retries"] = --retries;
        err->retries_left = token->value("reportRetries", true) ? retries : -1;
        err->final_try = retries == 1;
        fail(err, "wrong PIN");
        return retries == 0 ? CABRIDGE_ERR_PIN_LOCKED : CABRIDGE_ERR_PIN_INCORRECT;
    }
    (*token)["retries"] = 10;
    self->loggedInToken = token_ref;
    return CABRIDGE_OK;
}

cabridge_status sign(cabridge_plugin* self, const char* token_ref, const char* cert_ref, const char* algorithm,
                     const std::uint8_t* data, std::size_t data_len, cabridge_sink out, cabridge_error* err)
{
    hangIf(self, "sign");
    if (self->loggedInToken != token_ref) {
        fail(err, "not logged in");
        return CABRIDGE_ERR_NOT_LOGGED_IN;
    }
    auto* token = findToken(self, token_ref);
    const auto& cert = (*token)["certificates"][std::stoi(cert_ref)];
    if (cert.value("failSign", false)) {
        fail(err, "configured device error");
        return CABRIDGE_ERR_DEVICE;
    }
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(cert.value("key", "").c_str(), "r"), &BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr, &EVP_PKEY_free);
    const std::string alg = algorithm;
    const EVP_MD* md = alg == "ES384" ? EVP_sha384() : alg == "RS1" ? EVP_sha1() : EVP_sha256();
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::size_t len = 0;
    if (!key || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, data, data_len) != 1) {
        fail(err, "cannot sign");
        return CABRIDGE_ERR_PLUGIN;
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data, data_len) != 1) {
        fail(err, "cannot sign");
        return CABRIDGE_ERR_PLUGIN;
    }
    out.write(out.ctx, reinterpret_cast<const std::uint8_t*>(sig.data()), len);
    (*token)["signCount"] = token->value("signCount", 0) + 1;
    return CABRIDGE_OK;
}

cabridge_status logout(cabridge_plugin* self, const char*, cabridge_error*)
{
    hangIf(self, "logout");
    self->loggedInToken.clear();
    return CABRIDGE_OK;
}

#ifndef TEST_WITH_LIST_TOKEN
// Written like a plugin built before list_token existed: the table ends at logout and
// says so, so the host must find certificates through list_tokens alone.
const cabridge_plugin_api_v1 kApi = {TEST_ABI_VERSION, CABRIDGE_PLUGIN_API_V1_BASE_SIZE, create, destroy, describe,
                                     list_tokens, identify, login, sign, logout, nullptr, nullptr, nullptr, nullptr,
                                     nullptr,
                                     // enrolment (#18) and online unlock: not offered
                                     nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
#else
// Written like a plugin built before check_certificate existed: the table ends at list_token.
const cabridge_plugin_api_v1 kApi = {TEST_ABI_VERSION, offsetof(cabridge_plugin_api_v1, check_certificate), create,
                                     destroy, describe, list_tokens, identify, login, sign, logout, list_token, nullptr,
                                     nullptr, nullptr, nullptr,
                                     // enrolment (#18) and online unlock: beyond struct_size
                                     nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
#endif

}  // namespace

#ifndef TEST_NO_ENTRY
extern "C" CABRIDGE_PLUGIN_EXPORT const cabridge_plugin_api_v1* cabridge_plugin_v1(uint32_t)
{
    return &kApi;
}
#else
extern "C" CABRIDGE_PLUGIN_EXPORT const cabridge_plugin_api_v1* some_other_symbol(uint32_t)
{
    return &kApi;
}
#endif
