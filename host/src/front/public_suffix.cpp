#include "public_suffix.h"

#include "file_text.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cabridge {
namespace {

// The list is well under this; a larger file is not the list.
constexpr std::size_t kMaxListBytes = std::size_t {4} * 1024 * 1024;

std::vector<std::string_view> labelsOf(std::string_view name)
{
    std::vector<std::string_view> labels;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = name.find('.', start);
        labels.push_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) {
            return labels;
        }
        start = dot + 1;
    }
}

// How many of `domain`'s rightmost labels `rule` matches ("*" matches any one label), or 0.
std::size_t matchedLabels(std::string_view rule, const std::vector<std::string_view>& domain)
{
    std::size_t count = 0;
    std::size_t end = rule.size();
    for (;;) {
        const std::size_t dot = rule.rfind('.', end == 0 ? 0 : end - 1);
        const std::size_t begin = dot == std::string_view::npos || end == 0 ? 0 : dot + 1;
        const std::string_view label = rule.substr(begin, end - begin);
        if (count == domain.size() || label.empty()) {
            return 0;
        }
        if (label != "*" && label != domain[domain.size() - 1 - count]) {
            return 0;
        }
        ++count;
        if (begin == 0) {
            return count;
        }
        end = begin - 1;
    }
}

// The list's text, read once per process and path (tests use their own lists).
const std::optional<std::string>& listText(const std::filesystem::path& list)
{
    static std::mutex mutex;
    static std::map<std::filesystem::path, std::optional<std::string>> read;
    std::lock_guard lock(mutex);
    auto it = read.find(list);
    if (it == read.end()) {
        it = read.emplace(list, readSmallFile(list, kMaxListBytes)).first;
    }
    return it->second;
}

}  // namespace

std::optional<bool> isPublicSuffix(std::string_view domain, const std::filesystem::path& list)
{
    const auto& text = listText(list);
    if (!text || text->empty()) {
        return std::nullopt;
    }
    const auto labels = labelsOf(domain);
    // The list's algorithm: an exception rule that matches wins and makes the public suffix
    // one label shorter than itself; otherwise the longest matching rule, at least one label.
    std::size_t longest = 1;
    std::optional<std::size_t> exception;
    std::string_view rest = *text;
    while (!rest.empty()) {
        const std::size_t newline = rest.find('\n');
        std::string_view line = rest.substr(0, newline);
        rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
        // A rule is the line up to the first white space; "//" starts a comment line.
        const std::size_t space = line.find_first_of(" \t\r");
        line = line.substr(0, space);
        if (line.empty() || line.starts_with("//")) {
            continue;
        }
        const bool isException = line.front() == '!';
        const std::size_t matched = matchedLabels(isException ? line.substr(1) : line, labels);
        if (matched == 0) {
            continue;
        }
        if (isException) {
            exception = matched - 1;
        } else if (matched > longest) {
            longest = matched;
        }
    }
    return (exception ? *exception : longest) == labels.size();
}

}  // namespace cabridge
