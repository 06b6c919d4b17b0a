// What every test that starts a real program (host, admin tool, verifier) as a child
// process needs: the child's environment, and failing the test when the child's stderr
// holds a sanitizer report (scripts/sanitize.sh builds the children instrumented too).
#pragma once

#include <boost/process/environment.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cabridge::test_support {

// NAME -> value to set, or nullopt to remove the variable.
using EnvironmentChanges = std::map<std::string, std::optional<std::string>>;

// This process's environment (ASAN_OPTIONS and the like included) with `changes` applied.
//
// Only erase() and set() touch the copy: in Boost 1.74, basic_environment's operator[],
// find(), count(), at() and emplace() compare "NAME=" against every entry with memcmp over
// the whole of "NAME=", reading past the end of any shorter entry (AddressSanitizer:
// heap-buffer-overflow in scripts/sanitize.sh, first in Doctor.ReportsAHostThatNeverAnswers
// and 14 login tests). erase() and set() check each entry's length first.
inline boost::process::environment childEnvironment(const EnvironmentChanges& changes)
{
    boost::process::environment env = boost::this_process::environment();
    for (const auto& [name, value] : changes) {
        if (value) {
            env.set(name, *value);
        } else {
            env.erase(name);
        }
    }
    return env;
}

// The first sanitizer report in a child's stderr, from the start of its line to the end of
// the text; empty when there is none. ASan and LSan print "==PID==ERROR: ...Sanitizer",
// UBSan "file:line:col: runtime error: ..." and, with halt_on_error, a SUMMARY line.
inline std::string sanitizerReport(std::string_view stderrText)
{
    constexpr std::string_view kMarkers[] = {"ERROR: AddressSanitizer",           "ERROR: LeakSanitizer",
                                             "ERROR: UndefinedBehaviorSanitizer", "SUMMARY: UndefinedBehaviorSanitizer",
                                             "AddressSanitizer:DEADLYSIGNAL",     ": runtime error: "};
    std::size_t first = std::string_view::npos;
    for (const auto marker : kMarkers) {
        first = std::min(first, stderrText.find(marker));
    }
    if (first == std::string_view::npos) {
        return {};
    }
    const std::size_t lineStart = stderrText.rfind('\n', first);
    return std::string(stderrText.substr(lineStart == std::string_view::npos ? 0 : lineStart + 1));
}

// Fails the running test when `stderrText` of the child `program` holds a sanitizer report.
inline void expectNoSanitizerReport(std::string_view program, std::string_view stderrText)
{
    const std::string report = sanitizerReport(stderrText);
    if (!report.empty()) {
        ADD_FAILURE() << "sanitizer report from child process " << program << ":\n" << report;
    }
}

}  // namespace cabridge::test_support
