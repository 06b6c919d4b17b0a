#include <cabridge/support/config_fields.h>
#include <cabridge/support/pkcs11_sm2_mechanism.h>

#include <limits>
#include <string>

namespace cabridge {
namespace {

// A PKCS#11 number: CK_ULONG, written in vendor headers in hex.
unsigned long ckNumber(const nlohmann::json &value, std::string_view context, const std::string &key) {
    const std::string what = "sm2." + key + " must be a number (JSON integer, or a string such as \"0x80008100\")";
    if (value.is_number_unsigned())
        return value.get<unsigned long>();
    if (!value.is_string())
        throwInvalidConfig(context, what);
    const std::string &text = value.get_ref<const std::string &>();
    if (text.empty() || text.size() > 20 || text.front() == '-' || text.front() == '+')
        throwInvalidConfig(context, what);
    try {
        std::size_t used = 0;
        const unsigned long long n = std::stoull(text, &used, 0);
        if (used != text.size() || n > std::numeric_limits<CK_ULONG>::max())
            throwInvalidConfig(context, what);
        return static_cast<unsigned long>(n);
    } catch (const std::logic_error &) { // std::invalid_argument, std::out_of_range
        throwInvalidConfig(context, what);
    }
}

} // namespace

Sm2Mechanism parseSm2Mechanism(const nlohmann::json &value, std::string_view context) {
    if (!value.is_object())
        throwInvalidConfig(context, "sm2 must be an object {keyType, mechanism, style, signature}");
    for (const char *required : {"keyType", "mechanism", "style", "signature"})
        if (!value.contains(required))
            throwInvalidConfig(context, std::string("sm2.") + required + " is required (no vendor default exists)");
    Sm2Mechanism out;
    for (const auto &[key, item] : value.items()) {
        if (key == "keyType") {
            out.keyType = item == "CKK_EC" ? CKK_EC : ckNumber(item, context, key);
        } else if (key == "mechanism") {
            out.mechanism = ckNumber(item, context, key);
        } else if (key == "style") {
            if (item == "message")
                out.input = Sm2Mechanism::Input::Message;
            else if (item == "digest")
                out.input = Sm2Mechanism::Input::Digest;
            else
                throwInvalidConfig(context,
                                   "sm2.style must be \"message\" (the token hashes with Z) or \"digest\" "
                                   "(the token signs e = SM3(Z || M))");
        } else if (key == "signerIdParameter") {
            if (!item.is_boolean())
                throwInvalidConfig(context, "sm2.signerIdParameter must be true or false");
            out.signerIdParameter = item.get<bool>();
        } else if (key == "signature") {
            if (item == "raw")
                out.encoding = Sm2Mechanism::Encoding::Raw;
            else if (item == "der")
                out.encoding = Sm2Mechanism::Encoding::Der;
            else
                throwInvalidConfig(context, "sm2.signature must be \"raw\" (r || s) or \"der\"");
        } else {
            throwInvalidConfig(context, "unknown key sm2." + key);
        }
    }
    if (out.signerIdParameter && out.input == Sm2Mechanism::Input::Digest)
        throwInvalidConfig(context,
                           "sm2.signerIdParameter needs style \"message\" (a digest is already hashed with Z)");
    return out;
}

} // namespace cabridge
