// Whether a domain is a public suffix ("cn", "gov.cn", "com.cn", "github.io"): a name under
// which anyone may register, so a wildcard over it ("https://*.gov.cn") would let in sites of
// unrelated owners. Decided by the Public Suffix List as Debian's `publicsuffix` package
// installs it, never by a hand-kept list that would go stale.
//
// The list (about 240 kB) is read the first time a question is asked in a process and kept;
// only an origin policy that holds a wildcard asks, so a cold `status` without one never reads it.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace cabridge {

inline constexpr const char* kPublicSuffixListFile = "/usr/share/publicsuffix/public_suffix_list.dat";

// True when `domain` (lowercase, no trailing dot) is itself a public suffix by the list's
// rules, wildcard ("*.ck") and exception ("!www.ck") rules included, with the list's implicit
// rule "*" (every top-level label is a public suffix). nullopt when `list` cannot be read:
// the caller cannot tell, and must refuse whatever needed the answer.
std::optional<bool> isPublicSuffix(std::string_view domain, const std::filesystem::path& list = kPublicSuffixListFile);

}  // namespace cabridge
