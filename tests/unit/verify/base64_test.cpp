#include "base64.h"

#include <gtest/gtest.h>

namespace cabridge::verify::detail {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(Base64, DecodesRfc4648Vectors) {
  EXPECT_EQ(base64_decode(""), bytes(""));
  EXPECT_EQ(base64_decode("Zg=="), bytes("f"));
  EXPECT_EQ(base64_decode("Zm8="), bytes("fo"));
  EXPECT_EQ(base64_decode("Zm9v"), bytes("foo"));
  EXPECT_EQ(base64_decode("Zm9vYmFy"), bytes("foobar"));
  EXPECT_EQ(base64_decode("+/+/"), (std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}));
}

TEST(Base64, RefusesAnythingNotCanonical) {
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "=Zm9", "Zg==Zm9v", "Zm9v\n", " Zm9v", "Zm-_", "Zh==", "Zm9=",
                          "Zm9vYg=A"})
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
}

TEST(Base64, EncodeRoundTrips) {
  for (std::size_t n = 0; n < 40; ++n) {
    std::vector<std::uint8_t> data(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    EXPECT_EQ(base64_decode(base64_encode(data)), data);
  }
}

}  // namespace
}  // namespace cabridge::verify::detail
