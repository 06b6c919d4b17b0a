#include <cabridge/common/encoding.h>

#include <gtest/gtest.h>

using namespace cabridge;

namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

} // namespace

TEST(Base64, EncodesRfc4648Vectors) {
    EXPECT_EQ(base64Encode(bytes("")), "");
    EXPECT_EQ(base64Encode(bytes("f")), "Zg==");
    EXPECT_EQ(base64Encode(bytes("fo")), "Zm8=");
    EXPECT_EQ(base64Encode(bytes("foo")), "Zm9v");
    EXPECT_EQ(base64Encode(bytes("foob")), "Zm9vYg==");
    EXPECT_EQ(base64Encode(bytes("foobar")), "Zm9vYmFy");
    EXPECT_EQ(base64Encode(std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}), "+/+/");
}

TEST(Base64, DecodesRfc4648Vectors) {
    EXPECT_EQ(base64Decode(""), bytes(""));
    EXPECT_EQ(base64Decode("Zg=="), bytes("f"));
    EXPECT_EQ(base64Decode("Zm8="), bytes("fo"));
    EXPECT_EQ(base64Decode("Zm9v"), bytes("foo"));
    EXPECT_EQ(base64Decode("Zm9vYmFy"), bytes("foobar"));
    EXPECT_EQ(base64Decode("+/+/"), (std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}));
}

TEST(Base64, DecodedLengthDropsPaddingOnly) {
    // EVP_DecodeBlock counts '=' as zero bytes; a real trailing zero byte must survive.
    EXPECT_EQ(base64Decode("AA=="), (std::vector<std::uint8_t>{0x00}));
    EXPECT_EQ(base64Decode("AAA="), (std::vector<std::uint8_t>{0x00, 0x00}));
    EXPECT_EQ(base64Decode("AAAA"), (std::vector<std::uint8_t>{0x00, 0x00, 0x00}));
    EXPECT_EQ(base64Decode("ZgAA"), (std::vector<std::uint8_t>{'f', 0x00, 0x00}));
}

TEST(Base64, RoundTripsAllLengthsAndByteValues) {
    std::vector<std::uint8_t> data;
    for (int i = 0; i < 300; ++i) {
        const auto text = base64Encode(data);
        EXPECT_EQ(text.size(), (data.size() + 2) / 3 * 4);
        const auto back = base64Decode(text);
        ASSERT_TRUE(back) << text;
        EXPECT_EQ(*back, data);
        data.push_back(static_cast<std::uint8_t>(i * 37 + 11));
    }
}

TEST(Base64, RefusesAnythingNotCanonical) {
    for (const char *bad :
         {"Zg",       "Zg=",          "Zm9",    "Z===",  "=Zm9",     "====",      "Zg=a",           "Zm9=Yg==",
          "Zg==Zm9v", "Zm9vYg==Zm9v", "Zm9v\n", " Zm9v", "Zm9v ",    "Zm9v Yg==", "\tZm9vYmFy\t",   "Zm9vYmFy\r\n",
          "Zm-_",     "Zm9v.mFy",     "Zh==",   "Zm9=",  "Zm9vYh==", "Zm9vYg=A",  "Zm9vY\xc3\xa9=="}) {
        EXPECT_FALSE(base64Decode(bad).has_value()) << bad;
    }
    EXPECT_FALSE(base64Decode(std::string_view("Zm9v\0mFy", 8)).has_value());
}

TEST(Hex, LowerCaseTwoDigitsAByte) {
    EXPECT_EQ(hexEncode({}), "");
    EXPECT_EQ(hexEncode(std::vector<std::uint8_t>{0x00, 0x0f, 0xa0, 0xff, 0x5c}), "000fa0ff5c");
}

TEST(Hex, DecodesExactlyWhatHexEncodeWrites) {
    EXPECT_EQ(hexDecode(""), std::vector<std::uint8_t>{});
    EXPECT_EQ(hexDecode("000fa0ff5c"), (std::vector<std::uint8_t>{0x00, 0x0f, 0xa0, 0xff, 0x5c}));
    for (const char *bad : {"0", "abc", "0F", "zz", "0g", " 01", "01 ", "label:rsa", "-1"})
        EXPECT_FALSE(hexDecode(bad).has_value()) << bad;
    EXPECT_FALSE(hexDecode(std::string_view("0\0", 2)).has_value());
}
