#include "base64.h"

#include <gtest/gtest.h>

using namespace cabridge;

TEST(Base64, RoundTripsAllLengths)
{
    std::vector<std::uint8_t> data;
    for (int i = 0; i < 70; ++i) {
        const auto text = base64Encode(data);
        const auto back = base64Decode(text);
        ASSERT_TRUE(back) << text;
        EXPECT_EQ(*back, data);
        data.push_back(static_cast<std::uint8_t>(i * 37));
    }
    EXPECT_EQ(base64Encode(std::vector<std::uint8_t> {'f', 'o', 'o', 'b'}), "Zm9vYg==");
}

TEST(Base64, RefusesNonCanonicalInput)
{
    for (const char* bad : {"Zm9vYg", "Zm9vYg=", "Zm9v Yg==", "Zm9vYh==", "Zm9=Yg==", "Zm9vYg==Zm9v", "Zm-_", "====",
                            "Zg=a"}) {
        EXPECT_FALSE(base64Decode(bad)) << bad;
    }
    EXPECT_TRUE(base64Decode(""));
}
