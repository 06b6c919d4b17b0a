#include <cabridge/common/identity_codes.h>

#include <gtest/gtest.h>

using namespace cabridge;

TEST(UnifiedSocialCreditCode, AcceptsPublishedValidCodes) {
    EXPECT_TRUE(isValidUnifiedSocialCreditCode("91110000600037341L"));
    EXPECT_TRUE(isValidUnifiedSocialCreditCode("91350100M000100Y43"));
}

TEST(UnifiedSocialCreditCode, RejectsWrongCheckCharacter) {
    EXPECT_FALSE(isValidUnifiedSocialCreditCode("91110000600037341M"));
    EXPECT_FALSE(isValidUnifiedSocialCreditCode("91350100M000100Y44"));
}

TEST(UnifiedSocialCreditCode, RejectsWrongLengthAndAlphabet) {
    EXPECT_FALSE(isValidUnifiedSocialCreditCode(""));
    EXPECT_FALSE(isValidUnifiedSocialCreditCode("91110000600037341"));
    EXPECT_FALSE(isValidUnifiedSocialCreditCode("91110000600037341LL"));
    EXPECT_FALSE(isValidUnifiedSocialCreditCode("91110000600037341l")); // lower case is not in the alphabet
    EXPECT_FALSE(isValidUnifiedSocialCreditCode("9111000060003734IL")); // I is excluded
    EXPECT_FALSE(isValidUnifiedSocialCreditCode(std::string_view("91110000600037341\0", 18)));
}

TEST(UnifiedSocialCreditCode, RejectsCodeWhoseEmbeddedOrganisationCodeIsWrong) {
    // Same as a valid code with the organisation code's check digit changed
    // and the mod-31 check recomputed, so only GB 11714 can catch it.
    const std::string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    std::string code = "91110000600037342"; // organisation code 600037342 (its check digit is 1)
    int sum = 0, w = 1;
    for (int i = 0; i < 17; ++i) {
        sum += static_cast<int>(alphabet.find(code[i])) * w;
        w = w * 3 % 31;
    }
    code += alphabet[(31 - sum % 31) % 31];
    EXPECT_FALSE(isValidUnifiedSocialCreditCode(code)) << code;
}

TEST(UnifiedSocialCreditCode, AlphabetCheckIgnoresCheckCharacters) {
    EXPECT_TRUE(isCreditCodeAlphabet("91110000600037341M"));
    EXPECT_TRUE(isCreditCodeAlphabet("440524188001010014"));
    EXPECT_FALSE(isCreditCodeAlphabet("9111000060003734IL"));
    EXPECT_FALSE(isCreditCodeAlphabet("91110000600037341l"));
}

TEST(ResidentIdNumber, AcceptsValidNumbers) {
    EXPECT_TRUE(isValidResidentIdNumber("11010519491231002X"));
    EXPECT_TRUE(isValidResidentIdNumber("130102199003074135"));
    EXPECT_TRUE(isValidResidentIdNumber("440524188001010014"));
}

TEST(ResidentIdNumber, RejectsInvalidNumbers) {
    EXPECT_FALSE(isValidResidentIdNumber("110105194912310021"));
    EXPECT_FALSE(isValidResidentIdNumber("130102199003074139"));
    EXPECT_FALSE(isValidResidentIdNumber("11010519491231002x")); // only upper-case X
    EXPECT_FALSE(isValidResidentIdNumber("1101051949123100"));
    EXPECT_FALSE(isValidResidentIdNumber("A1010519491231002X"));
    EXPECT_FALSE(isValidResidentIdNumber("1101051949123100AX")); // letters only as the check character
    EXPECT_FALSE(isValidResidentIdNumber(""));
}
