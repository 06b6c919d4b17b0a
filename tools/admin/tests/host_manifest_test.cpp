#include "host_manifest.h"

#include <gtest/gtest.h>

#include "admin_error.h"
#include "run_cabridge.h"

#include <cabridge/test_support/temp_dir.h>

namespace fs = std::filesystem;
using namespace cabridge::admin;
using cabridge::admin::testing::write_text;
using cabridge::test_support::TempDir;

TEST(HostManifest, DefaultExtensionIdComesFromTheTemplate) {
  EXPECT_EQ(default_extension_ids(), std::vector<std::string>{"nojnbkjmnolldjcnebneodoflnialbln"});
}

TEST(HostManifest, ExtensionIdSyntax) {
  EXPECT_TRUE(is_valid_extension_id("nojnbkjmnolldjcnebneodoflnialbln"));
  EXPECT_FALSE(is_valid_extension_id("nojnbkjmnolldjcnebneodoflnialbl"));    // 31
  EXPECT_FALSE(is_valid_extension_id("nojnbkjmnolldjcnebneodoflnialblnn"));  // 33
  EXPECT_FALSE(is_valid_extension_id("qojnbkjmnolldjcnebneodoflnialbln"));   // q is past p
  EXPECT_FALSE(is_valid_extension_id("Nojnbkjmnolldjcnebneodoflnialbln"));
  EXPECT_FALSE(is_valid_extension_id(""));
}

TEST(HostManifest, RefusesRelativeHostAndBadIds) {
  const std::vector<std::string> ok = {"nojnbkjmnolldjcnebneodoflnialbln"};
  EXPECT_THROW(make_host_manifest("bin/cabridge-host", ok), AdminError);
  EXPECT_THROW(make_host_manifest("/usr/bin/cabridge-host", {}), AdminError);
  const std::vector<std::string> bad = {"chrome-extension://x/"};
  EXPECT_THROW(make_host_manifest("/usr/bin/cabridge-host", bad), AdminError);
}

TEST(HostManifest, DuplicateIdsAppearOnce) {
  const std::vector<std::string> ids = {"nojnbkjmnolldjcnebneodoflnialbln", "nojnbkjmnolldjcnebneodoflnialbln"};
  EXPECT_EQ(make_host_manifest("/usr/bin/cabridge-host", ids)["allowed_origins"].size(), 1u);
}

TEST(HostManifest, ReadingClassifiesFiles) {
  TempDir dir;
  EXPECT_EQ(read_manifest_file(dir.path() / "absent.json").state, ManifestFile::State::missing);
  EXPECT_EQ(read_manifest_file(dir.path()).state, ManifestFile::State::unreadable);
  write_text(dir.path() / "empty.json", "");
  EXPECT_EQ(read_manifest_file(dir.path() / "empty.json").state, ManifestFile::State::invalid_json);
  write_text(dir.path() / "array.json", "[1]");
  EXPECT_EQ(read_manifest_file(dir.path() / "array.json").state, ManifestFile::State::invalid_json);
  write_text(dir.path() / "ok.json", render_host_manifest("/usr/bin/cabridge-host", default_extension_ids()));
  const ManifestFile ok = read_manifest_file(dir.path() / "ok.json");
  ASSERT_EQ(ok.state, ManifestFile::State::readable);
  EXPECT_TRUE(ok.names_our_host());
  EXPECT_EQ(ok.host_path(), "/usr/bin/cabridge-host");
  EXPECT_TRUE(ok.allows_extension("nojnbkjmnolldjcnebneodoflnialbln"));
  EXPECT_FALSE(ok.allows_extension("abcdefghijklmnopabcdefghijklmnop"));
  write_text(dir.path() / "odd.json", R"({"name": 5, "path": [], "allowed_origins": "x"})");
  const ManifestFile odd = read_manifest_file(dir.path() / "odd.json");
  EXPECT_FALSE(odd.names_our_host());
  EXPECT_FALSE(odd.host_path());
  EXPECT_FALSE(odd.allows_extension("nojnbkjmnolldjcnebneodoflnialbln"));
}

TEST(HostManifest, FirefoxManifestAllowsGeckoIds) {
  EXPECT_EQ(default_gecko_ids(), std::vector<std::string>{"cabridge@cabridge.org"});
  for (const char* good : {"cabridge@cabridge.org", "a@b", "@x", "{12345678-abcd-ABCD-0123-456789abcdef}"}) {
    EXPECT_TRUE(is_valid_gecko_id(good)) << good;
  }
  for (const char* bad : {"", "cabridge", "x@", "a b@c", "a@b@c", "{12345678-abcd-abcd-0123-456789abcdeg}",
                          "nojnbkjmnolldjcnebneodoflnialbln"}) {
    EXPECT_FALSE(is_valid_gecko_id(bad)) << bad;
  }
  const std::vector<std::string> ids = {"cabridge@cabridge.org", "cabridge@cabridge.org", "x@y"};
  const auto manifest = make_firefox_host_manifest("/usr/bin/cabridge-host", ids);
  EXPECT_EQ(manifest.at("allowed_extensions"), nlohmann::json::array({"cabridge@cabridge.org", "x@y"}));
  EXPECT_FALSE(manifest.contains("allowed_origins"));
  EXPECT_THROW(make_firefox_host_manifest("relative/cabridge-host", ids), cabridge::admin::AdminError);
  EXPECT_THROW(make_firefox_host_manifest("/usr/bin/cabridge-host", std::vector<std::string>{}),
               cabridge::admin::AdminError);
  EXPECT_THROW(make_firefox_host_manifest("/usr/bin/cabridge-host", std::vector<std::string>{"bad"}),
               cabridge::admin::AdminError);
}
