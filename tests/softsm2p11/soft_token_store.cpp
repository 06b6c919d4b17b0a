#include "soft_token_store.h"

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace softsm2p11 {
namespace {

using Json = nlohmann::json;

struct BioFree {
    void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};

std::string readText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), {}};
}

// A number as JSON integer or as a "0x..." string (vendor headers write them in hex).
unsigned long number(const Json& value, const std::string& key)
{
    if (value.is_number_unsigned()) return value.get<unsigned long>();
    if (value.is_string()) {
        const std::string text = value.get<std::string>();
        std::size_t used = 0;
        const unsigned long n = std::stoul(text, &used, 0);
        if (used == text.size()) return n;
    }
    throw std::runtime_error(key + " must be a non-negative integer or a \"0x...\" string");
}

std::optional<unsigned long> optionalNumber(const Json& object, const std::string& key)
{
    if (!object.contains(key)) return std::nullopt;
    return number(object.at(key), key);
}

std::vector<std::uint8_t> hexBytes(const std::string& hex)
{
    if (hex.empty() || hex.size() % 2 != 0) throw std::runtime_error("id must be an even number of hex digits");
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return out;
}

PkeyPtr readSm2Key(const std::string& path)
{
    const std::string pem = readText(path);
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key || !EVP_PKEY_is_a(key.get(), "SM2")) throw std::runtime_error(path + " is not an SM2 private key");
    return key;
}

KeyPair readPair(const Json& object)
{
    KeyPair pair;
    pair.id = hexBytes(object.at("id").get<std::string>());
    pair.label = object.value("label", std::string("sm2"));
    const std::string der = readText(object.at("certificate").get<std::string>());
    pair.certificateDer.assign(der.begin(), der.end());
    pair.key = readSm2Key(object.at("key").get<std::string>());
    return pair;
}

}  // namespace

SoftModuleConfig loadConfig(const std::string& path)
{
    const Json json = Json::parse(readText(path));
    SoftModuleConfig config;
    config.manufacturer = json.value("manufacturer", std::string("cabridge soft SM2"));
    config.numbering.keyType = number(json.at("keyType"), "keyType");
    const Json& mechanisms = json.at("mechanisms");
    config.numbering.message = optionalNumber(mechanisms, "message");
    config.numbering.messageWithId = optionalNumber(mechanisms, "messageWithId");
    config.numbering.digest = optionalNumber(mechanisms, "digest");
    const std::string signature = json.value("signature", std::string("raw"));
    if (signature != "raw" && signature != "der") throw std::runtime_error("signature must be \"raw\" or \"der\"");
    config.numbering.derSignature = signature == "der";
    for (const Json& entry : json.at("tokens")) {
        SoftToken token;
        token.label = entry.at("label").get<std::string>();
        token.serial = entry.at("serial").get<std::string>();
        token.pin = entry.at("pin").get<std::string>();
        token.pinToBeChanged = entry.value("pinToBeChanged", false);
        if (token.label.size() > 32 || token.serial.size() > 16)
            throw std::runtime_error("label longer than 32 or serial longer than 16 bytes");
        for (const Json& object : entry.value("objects", Json::array())) token.pairs.push_back(readPair(object));
        config.tokens.push_back(std::move(token));
    }
    return config;
}

}  // namespace softsm2p11
