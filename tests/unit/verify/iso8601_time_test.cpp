#include "iso8601_time.h"

#include <gtest/gtest.h>

namespace cabridge::verify::detail {
namespace {

std::int64_t epoch(std::string_view text) {
  const auto t = parse_iso8601(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count() : -1;
}

TEST(Iso8601, ParsesUtcAndOffsets) {
  EXPECT_EQ(epoch("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(epoch("2024-01-01T00:00:00Z"), 1704067200);
  EXPECT_EQ(epoch("2024-01-01T08:00:00+08:00"), 1704067200);
  EXPECT_EQ(epoch("2023-12-31T23:30:00-00:30"), 1704067200);
  EXPECT_EQ(epoch("2024-01-01T00:00:00.999Z"), 1704067200);
  EXPECT_EQ(epoch("2024-02-29T00:00:00Z"), 1709164800);
}

TEST(Iso8601, RefusesMalformedOrImpossible) {
  for (const char* bad :
       {"", "2024-01-01", "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:00+0800", "2024-01-01T00:00:00Zjunk",
        "2024-01-01T00:00:00.Z", "20x4-01-01T00:00:00Z"})
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
}

// The fuzz target verify_cli found the overflow: 9999-... parsed, then the cast to
// system_clock's nanoseconds overflowed (undefined behaviour, a wrong --time in release).
TEST(Iso8601, RefusesInstantsTheClockCannotHold) {
  for (const char* bad : {"9999-12-31T23:59:59Z", "2263-01-01T00:00:00Z", "1600-01-01T00:00:00Z",
                          "0000-01-01T00:00:00Z", "2262-04-11T23:47:17+00:00"})
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
  EXPECT_EQ(epoch("2262-04-11T23:47:16Z"), 9223372036);
  EXPECT_EQ(epoch("1678-01-01T00:00:00Z"), -9214560000);
}

}  // namespace
}  // namespace cabridge::verify::detail
