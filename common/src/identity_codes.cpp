#include <cabridge/common/identity_codes.h>

namespace cabridge {

namespace {

constexpr std::string_view kCreditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int creditValue(char c) noexcept {
    const auto pos = kCreditAlphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// GB 11714 organisation code: 8 body characters (digits or A-Z, letters
// counting 10..35) and a check character 0-9 or X.
bool isValidOrganisationCode(std::string_view code) noexcept {
    static constexpr int weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    if (code.size() != 9)
        return false;
    int sum = 0;
    for (int i = 0; i < 8; ++i) {
        const char c = code[i];
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'A' && c <= 'Z')
            v = c - 'A' + 10;
        else
            return false;
        sum += v * weights[i];
    }
    const int check = 11 - sum % 11;
    const char expected = check == 10 ? 'X' : check == 11 ? '0' : static_cast<char>('0' + check);
    return code[8] == expected;
}

} // namespace

bool isCreditCodeAlphabet(std::string_view text) noexcept {
    for (char c : text) {
        if (creditValue(c) < 0)
            return false;
    }
    return true;
}

bool isValidUnifiedSocialCreditCode(std::string_view code) noexcept {
    if (code.size() != 18 || !isCreditCodeAlphabet(code))
        return false;
    int sum = 0;
    int weight = 1; // 3^(i-1) mod 31
    for (int i = 0; i < 17; ++i) {
        sum += creditValue(code[i]) * weight;
        weight = weight * 3 % 31;
    }
    const int check = (31 - sum % 31) % 31;
    if (code[17] != kCreditAlphabet[static_cast<std::size_t>(check)])
        return false;
    return isValidOrganisationCode(code.substr(8, 9));
}

bool isValidResidentIdNumber(std::string_view id) noexcept {
    static constexpr int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static constexpr std::string_view checks = "10X98765432";
    if (id.size() != 18)
        return false;
    int sum = 0;
    for (int i = 0; i < 17; ++i) {
        if (id[i] < '0' || id[i] > '9')
            return false;
        sum += (id[i] - '0') * weights[i];
    }
    return id[17] == checks[static_cast<std::size_t>(sum % 11)];
}

} // namespace cabridge
