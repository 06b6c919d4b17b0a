// Tests of cabridge/test_support/child_process.h: the child's environment, and that a sanitizer
// report in a child process is found (with a real instrumented child under scripts/sanitize.sh).
#include <cabridge/test_support/child_process.h>
#include <cabridge/test_support/temp_dir.h>

#include <boost/process.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

namespace bp = boost::process;
namespace fs = std::filesystem;
using cabridge::test_support::childEnvironment;
using cabridge::test_support::readFile;
using cabridge::test_support::sanitizerReport;
using cabridge::test_support::TempDir;

namespace {

// The environment `env` gives a child, read back through /usr/bin/env.
std::map<std::string, std::string> seenByChild(const bp::environment& env)
{
    bp::ipstream out;
    bp::child child("/usr/bin/env", env, bp::std_out > out, bp::std_in < bp::null);
    std::map<std::string, std::string> vars;
    std::string line;
    while (std::getline(out, line)) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) {
            vars[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    child.wait();
    return vars;
}

}  // namespace

TEST(ChildEnvironment, SetsReplacesAndRemovesAndKeepsTheRest)
{
    ::setenv("CABRIDGE_SUPPORT_KEEP", "kept", 1);
    ::setenv("CABRIDGE_SUPPORT_REPLACE", "old", 1);
    ::setenv("CABRIDGE_SUPPORT_REMOVE", "gone", 1);
    const auto vars = seenByChild(childEnvironment({{"CABRIDGE_SUPPORT_REPLACE", "new"},
                                                    {"CABRIDGE_SUPPORT_REMOVE", std::nullopt},
                                                    {"CABRIDGE_SUPPORT_ADDED", "a=b c"}}));
    EXPECT_EQ(vars.at("CABRIDGE_SUPPORT_KEEP"), "kept");
    EXPECT_EQ(vars.at("CABRIDGE_SUPPORT_REPLACE"), "new");
    EXPECT_EQ(vars.count("CABRIDGE_SUPPORT_REMOVE"), 0u);
    EXPECT_EQ(vars.at("CABRIDGE_SUPPORT_ADDED"), "a=b c");
    EXPECT_EQ(vars.count("CABRIDGE_SUPPORT_NEVER_SET"), 0u);
    if (const char* path = std::getenv("PATH")) {
        EXPECT_EQ(vars.at("PATH"), path);
    }
}

// Boost 1.74's basic_environment::operator[] reads past the end of every entry shorter than
// "NAME=" (heap-buffer-overflow under AddressSanitizer). A 17-character entry lives on the
// heap (beyond std::string's 15-character inline buffer) and is shorter than these names.
TEST(ChildEnvironment, NamesLongerThanOtherEntriesAreSafe)
{
    ::setenv("CABRIDGE_SHORT", "12", 1);  // "CABRIDGE_SHORT=12": 17 characters
    const std::string longName = "CABRIDGE_SUPPORT_A_NAME_LONGER_THAN_THE_OTHER_ENTRIES";
    const auto vars = seenByChild(childEnvironment({{longName, "1"}, {longName + "_REMOVED", std::nullopt}}));
    EXPECT_EQ(vars.at(longName), "1");
    EXPECT_EQ(vars.at("CABRIDGE_SHORT"), "12");
}

TEST(SanitizerReport, FindsAddressLeakAndUndefinedBehaviourReports)
{
    const std::string asan =
        "some output\n=================================================================\n"
        "==31884==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x603000004763\n"
        "READ of size 23 at 0x603000004763 thread T0\n";
    EXPECT_EQ(sanitizerReport(asan), asan.substr(asan.find("==31884==")));
    const std::string lsan =
        "\n=================================================================\n"
        "==4242==ERROR: LeakSanitizer: detected memory leaks\n\nDirect leak of 7 byte(s) in 1 object(s)\n";
    EXPECT_EQ(sanitizerReport(lsan), lsan.substr(lsan.find("==4242==")));
    const std::string ubsan =
        "host/src/framing.cpp:42:17: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented\n"
        "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior host/src/framing.cpp:42:17 in\n";
    EXPECT_EQ(sanitizerReport(ubsan), ubsan);
    EXPECT_EQ(sanitizerReport("AddressSanitizer:DEADLYSIGNAL\n==1==ERROR: AddressSanitizer: SEGV"),
              "AddressSanitizer:DEADLYSIGNAL\n==1==ERROR: AddressSanitizer: SEGV");
}

TEST(SanitizerReport, OrdinaryStderrIsNotAReport)
{
    EXPECT_EQ(sanitizerReport(""), "");
    EXPECT_EQ(sanitizerReport("cabridge-verify: 证书链无效 (chain invalid)\nusage: cabridge-verify --token FILE\n"),
              "");
    EXPECT_EQ(sanitizerReport("fault module: C_Login -> CKR_DEVICE_ERROR (device_error_on)\n"), "");
}

// The whole path under scripts/sanitize.sh: the sanitizer options reach the child through
// childEnvironment, the child's report lands in its stderr, and sanitizerReport finds it.
class PlantedFinding : public ::testing::TestWithParam<const char*> {};

TEST_P(PlantedFinding, InAChildIsReported)
{
    if (!CABRIDGE_TEST_SANITIZED) {
        GTEST_SKIP() << "needs the sanitizer build (scripts/sanitize.sh)";
    }
    TempDir dir("cabridge-support-");
    const fs::path err = dir.path() / "stderr";
    const int status = bp::system(CABRIDGE_SANITIZER_CANARY, GetParam(), childEnvironment({}),
                                  bp::std_in<bp::null, bp::std_out> bp::null, bp::std_err > err.string());
    const std::string report = sanitizerReport(readFile(err));
    EXPECT_NE(report, "") << "canary " << GetParam() << " exited " << status << " without a report";
    EXPECT_NE(status, 0) << report;

    const fs::path cleanErr = dir.path() / "clean.stderr";  // Boost.Process appends to an existing file
    const int clean = bp::system(CABRIDGE_SANITIZER_CANARY, childEnvironment({}),
                                 bp::std_in<bp::null, bp::std_out> bp::null, bp::std_err > cleanErr.string());
    EXPECT_EQ(clean, 0);
    EXPECT_EQ(sanitizerReport(readFile(cleanErr)), "");
}

INSTANTIATE_TEST_SUITE_P(Kinds, PlantedFinding, ::testing::Values("leak", "overflow", "ub"),
                         [](const auto& info) { return std::string(info.param); });
