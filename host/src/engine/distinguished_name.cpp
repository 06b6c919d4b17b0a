#include "distinguished_name.h"

#include "error.h"
#include "utf8.h"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <string>
#include <vector>

namespace cabridge {
namespace {

constexpr std::size_t kMaxTextBytes = 4096;
constexpr std::size_t kMaxAttributes = 64;

[[noreturn]] void refuse(const std::string& reason)
{
    throw HostError(ErrorCode::InvalidArgument, "subject: " + reason, {{"key", "subject"}, {"reason", reason}});
}

struct Attribute {
    std::string type;
    std::string value;
    bool joinedToPrevious = false;  // "+": part of the same RDN as the one before
};

// "<what> "c"", built by appending (GCC 12 warns falsely about string + char here).
std::string withCharacter(std::string_view what, char c)
{
    std::string text(what);
    text.append(" \"");
    text.push_back(c);
    text.push_back('"');
    return text;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool isSpace(char c)
{
    return c == ' ';
}

// Reads the attributes in text order.
class Rfc2253Reader {
public:
    explicit Rfc2253Reader(std::string_view text) : text_(text) {}

    std::vector<Attribute> read()
    {
        std::vector<Attribute> attributes;
        bool joined = false;
        for (;;) {
            skipSpaces();
            Attribute attribute;
            attribute.joinedToPrevious = joined;
            attribute.type = readType();
            skipSpaces();
            if (at_ >= text_.size() || text_[at_] != '=') refuse("expected \"=\" after " + attribute.type);
            ++at_;
            skipSpaces();
            attribute.value = readValue();
            if (attribute.value.empty()) refuse("empty value for " + attribute.type);
            attributes.push_back(std::move(attribute));
            if (attributes.size() > kMaxAttributes) refuse("more than 64 attributes");
            skipSpaces();
            if (at_ >= text_.size()) break;
            const char separator = text_[at_++];
            if (separator == '+') {
                joined = true;
            } else if (separator == ',' || separator == ';') {
                joined = false;
            } else {
                refuse(withCharacter("unexpected character", separator));
            }
        }
        return attributes;
    }

private:
    void skipSpaces()
    {
        while (at_ < text_.size() && isSpace(text_[at_])) ++at_;
    }

    std::string readType()
    {
        const std::size_t start = at_;
        while (at_ < text_.size() && text_[at_] != '=' && !isSpace(text_[at_]) && text_[at_] != ',' &&
               text_[at_] != '+' && text_[at_] != ';') {
            const char c = text_[at_];
            const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                 c == '-' || c == '.';
            if (!allowed) refuse("attribute type with a character other than letters, digits, \"-\" and \".\"");
            ++at_;
        }
        if (at_ == start) refuse("missing attribute type");
        std::string type(text_.substr(start, at_ - start));
        if (type.size() > 4 && (type.starts_with("OID.") || type.starts_with("oid."))) type = type.substr(4);
        return type;
    }

    std::string readValue()
    {
        if (at_ < text_.size() && text_[at_] == '#') refuse("\"#\" (BER-encoded) values are not accepted");
        if (at_ < text_.size() && text_[at_] == '"') return readQuoted();
        std::string value;
        std::size_t trailingSpaces = 0;  // unescaped spaces at the end are not part of the value
        while (at_ < text_.size()) {
            const char c = text_[at_];
            if (c == ',' || c == '+' || c == ';') break;
            if (c == '"' || c == '<' || c == '>' || c == '=')
                refuse(withCharacter("unescaped character in a value:", c));
            if (c == '\\') {
                value += readEscape();
                trailingSpaces = 0;
                continue;
            }
            trailingSpaces = isSpace(c) ? trailingSpaces + 1 : 0;
            value += c;
            ++at_;
        }
        value.resize(value.size() - trailingSpaces);
        return value;
    }

    std::string readQuoted()
    {
        ++at_;  // the opening quote
        std::string value;
        while (at_ < text_.size() && text_[at_] != '"') {
            if (text_[at_] == '\\') {
                value += readEscape();
            } else {
                value += text_[at_++];
            }
        }
        if (at_ >= text_.size()) refuse("unterminated quoted value");
        ++at_;  // the closing quote
        return value;
    }

    // After a backslash: a special character as itself, or two hex digits as one byte.
    std::string readEscape()
    {
        ++at_;
        if (at_ >= text_.size()) refuse("\"\\\" at the end of the text");
        const char c = text_[at_];
        if (std::string_view(",+\"\\<>;=# ").find(c) != std::string_view::npos) {
            ++at_;
            return std::string(1, c);
        }
        if (at_ + 1 < text_.size() && hexValue(c) >= 0 && hexValue(text_[at_ + 1]) >= 0) {
            const char byte = static_cast<char>(hexValue(c) * 16 + hexValue(text_[at_ + 1]));
            at_ += 2;
            return std::string(1, byte);
        }
        refuse(withCharacter("invalid escape after \"\\\":", c));
    }

    std::string_view text_;
    std::size_t at_ = 0;
};

int nidOf(const std::string& type)
{
    int nid = OBJ_txt2nid(type.c_str());  // short name, long name or dotted OID it knows
    if (nid == NID_undef) {
        // A dotted OID OpenSSL has no name for: created on the fly (X509_NAME takes an object).
        const bool dotted = !type.empty() && type.find_first_not_of("0123456789.") == std::string::npos;
        if (!dotted) refuse("unknown attribute type " + type);
        nid = OBJ_create(type.c_str(), nullptr, nullptr);
        ERR_clear_error();
        if (nid == NID_undef) refuse("invalid OID " + type);
    }
    return nid;
}

}  // namespace

X509NamePtr parseDistinguishedName(std::string_view text)
{
    if (text.empty()) refuse("empty");
    if (text.size() > kMaxTextBytes) refuse("longer than 4096 bytes");
    if (!isValidUtf8(text)) refuse("not valid UTF-8");
    std::vector<Attribute> attributes = Rfc2253Reader(text).read();

    X509NamePtr name(X509_NAME_new());
    if (!name) throw std::bad_alloc();
    // Text order is most specific first; the Name is built from the end. Within a "+" group the
    // attributes join the RDN added just before (set -1 appends to the last RDN).
    std::size_t end = attributes.size();
    while (end > 0) {
        std::size_t begin = end - 1;
        while (begin > 0 && attributes[begin].joinedToPrevious) --begin;
        for (std::size_t i = begin; i < end; ++i) {
            const Attribute& attribute = attributes[i];
            if (!isValidUtf8(attribute.value)) refuse("value of " + attribute.type + " is not valid UTF-8");
            const int nid = nidOf(attribute.type);
            const auto* bytes = reinterpret_cast<const unsigned char*>(attribute.value.data());
            const int added = X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8, bytes,
                                                         static_cast<int>(attribute.value.size()), -1,
                                                         i == begin ? 0 : -1);
            if (added != 1) {
                ERR_clear_error();
                refuse("value of " + attribute.type + " does not fit its type (length or characters)");
            }
        }
        end = begin;
    }
    return name;
}

}  // namespace cabridge
