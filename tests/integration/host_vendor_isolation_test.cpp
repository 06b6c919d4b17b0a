// One broken vendor does not take the others down (docs/architecture.md): a plugin that hangs or
// crashes inside list_tokens, beside a good one, in the real host. The broken vendor is
// remembered (plugin-probes.json, keyed like the probe verdicts), shown as `state: error`, left
// out of listings of all vendors, which answer the good vendor's certificates plus `errors`, and
// tried again when a request names it.
#include "plugin_dir_fixture.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <thread>

using namespace cabridge::test;
using namespace cabridge::test_support;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPortal = "https://si.example.gov.cn";

class HostVendorIsolation : public PluginDirFixture {
protected:
    // The good vendor (generous deadline) and the broken one, whose list_tokens deadline is short.
    void addVendors(const nlohmann::json& brokenBehaviour)
    {
        addPlugin("good", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortal), {{"deadlines", {{"enumerateMs", 10000}}}});
        auto broken = softConfig(kPortal);
        broken.update(brokenBehaviour);
        addPlugin("broken", CABRIDGE_TEST_SOFT_PLUGIN, broken, {{"deadlines", {{"enumerateMs", 300}}}});
    }

    std::map<std::string, nlohmann::json> pluginsById(HostProcess& host)
    {
        const auto reply = host.request({{"id", "s"}, {"command", "status"}, {"origin", kPortal}});
        std::map<std::string, nlohmann::json> byId;
        for (const auto& plugin : reply["result"]["plugins"]) byId[plugin["id"]] = plugin;
        return byId;
    }

    nlohmann::json list(HostProcess& host, const nlohmann::json& arguments = nlohmann::json::object())
    {
        return host.request(
            {{"id", ++id_}, {"command", "list-certificates"}, {"origin", kPortal}, {"arguments", arguments}});
    }

    static std::set<std::string> vendorsListed(const nlohmann::json& reply)
    {
        std::set<std::string> vendors;
        for (const auto& cert : reply["result"]["certificates"]) vendors.insert(cert["vendor"].get<std::string>());
        return vendors;
    }

    // The reply's `errors` as vendor -> code.
    static std::map<std::string, std::string> errorsOf(const nlohmann::json& reply)
    {
        std::map<std::string, std::string> errors;
        for (const auto& error : reply["result"].value("errors", nlohmann::json::array())) {
            EXPECT_FALSE(error.value("message", "").empty()) << error.dump();
            errors[error["vendor"]] = error["code"];
        }
        return errors;
    }

    std::size_t logged(const std::string& what) const
    {
        const auto text = log();
        std::size_t n = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    }

    std::filesystem::path markers() const { return dir_.path() / "plugin-calls"; }

    std::size_t markerCount() const
    {
        std::error_code ec;
        std::size_t n = 0;
        for (auto it = std::filesystem::directory_iterator(markers(), ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
            ++n;
        }
        return n;
    }

    // The first byte of the only marker file: '1' while its host is inside a call.
    char markerState() const
    {
        std::error_code ec;
        for (auto it = std::filesystem::directory_iterator(markers(), ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
            std::ifstream in(it->path());
            char state = 0;
            in.get(state);
            return state;
        }
        return 0;
    }

    // A host started with the sanitizer's own SIGSEGV handler off: a sanitizer build would
    // otherwise report the plugin's deliberate crash as a finding. No effect in other builds.
    std::unique_ptr<HostProcess> hostThatMayCrash()
    {
        const char* options = std::getenv("ASAN_OPTIONS");
        return std::make_unique<HostProcess>(
            config_, kTestExtensionOrigin,
            std::vector<std::string> {"ASAN_OPTIONS=" + std::string(options != nullptr ? options : "") +
                                      ":handle_segv=0:handle_abort=0"});
    }

    int id_ = 0;
};

}  // namespace

TEST_F(HostVendorIsolation, HangingVendorIsLeftOutRememberedAndTriedAgainWhenNamed)
{
    const auto hangSwitch = dir_.path() / "hang";
    std::filesystem::create_directories(hangSwitch);
    addVendors({{"hangListWhile", hangSwitch.string()}});
    const std::string deadlinePassed = "list_tokens did not answer within 300 ms";
    const std::string abandoned = "plugin broken: " + deadlinePassed;

    {
        HostProcess first(config_);
        // The listing pays the broken vendor's deadline once and answers the good vendor's
        // certificate, naming the vendor it left out.
        const auto reply = list(first);
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        EXPECT_EQ(vendorsListed(reply), std::set<std::string> {"good"});
        EXPECT_EQ(errorsOf(reply), (std::map<std::string, std::string> {{"broken", "TOKEN_NOT_RESPONDING"}}));
        // The host keeps serving: status says why, the next listing does not call the vendor
        // again (its call is still stuck inside it), and naming it answers at once.
        auto byId = pluginsById(first);
        EXPECT_EQ(byId["good"]["state"], "ok");
        EXPECT_EQ(byId["broken"]["state"], "error");
        EXPECT_NE(byId["broken"].value("error", "").find(deadlinePassed), std::string::npos) << byId["broken"];
        EXPECT_EQ(errorsOf(list(first)), (std::map<std::string, std::string> {{"broken", "TOKEN_NOT_RESPONDING"}}));
        EXPECT_EQ(list(first, {{"vendor", "broken"}})["error"]["code"], "TOKEN_NOT_RESPONDING");
        EXPECT_EQ(vendorsListed(list(first, {{"vendor", "good"}})), std::set<std::string> {"good"});
        first.closeInput();
        EXPECT_EQ(first.waitForExit(), 0);
    }
    EXPECT_EQ(logged(abandoned), 1u) << log();
    EXPECT_EQ(markerCount(), 0u);  // a host that ended normally leaves no marker

    {
        // A new host knows from the record: `status` (from the start records, no plugin
        // loaded) shows the vendor in error, and the listing leaves it out without calling it.
        HostProcess second(config_);
        auto byId = pluginsById(second);
        EXPECT_EQ(byId["good"]["state"], "ok");
        EXPECT_EQ(byId["broken"]["state"], "error");
        EXPECT_NE(byId["broken"].value("error", "").find(deadlinePassed), std::string::npos) << byId["broken"];
        const auto reply = list(second);
        EXPECT_EQ(vendorsListed(reply), std::set<std::string> {"good"});
        EXPECT_EQ(errorsOf(reply), (std::map<std::string, std::string> {{"broken", "TOKEN_NOT_RESPONDING"}}));
    }
    EXPECT_EQ(logged(abandoned), 1u) << log();  // no deadline paid by the second host
    EXPECT_EQ(logged("broken left out of the listing"), 1u) << log();

    {
        // Named explicitly it is tried again, under its deadline: still hanging, the host
        // answers TOKEN_NOT_RESPONDING and exits as for any token call past its deadline.
        HostProcess third(config_);
        EXPECT_EQ(list(third, {{"vendor", "broken"}})["error"]["code"], "TOKEN_NOT_RESPONDING");
        EXPECT_EQ(third.waitForExit(5s), 3);
    }
    EXPECT_EQ(logged("token call passed its deadline, exiting: broken: list_tokens"), 1u) << log();
    EXPECT_EQ(markerCount(), 0u);  // a deadline is recorded as such, not left to look like a crash

    // The key answers again (same plugin build, same identity): named, it lists its certificate
    // and the fault is forgotten, for this host and the next.
    std::filesystem::remove(hangSwitch);
    {
        HostProcess fourth(config_);
        EXPECT_EQ(vendorsListed(list(fourth, {{"vendor", "broken"}})), std::set<std::string> {"broken"});
        EXPECT_EQ(pluginsById(fourth)["broken"]["state"], "ok");
    }
    {
        HostProcess fifth(config_);
        EXPECT_EQ(pluginsById(fifth)["broken"]["state"], "ok");
        const auto reply = list(fifth);
        EXPECT_EQ(vendorsListed(reply), (std::set<std::string> {"good", "broken"}));
        EXPECT_FALSE(reply["result"].contains("errors")) << reply.dump();
    }
}

TEST_F(HostVendorIsolation, ChangedPluginBuildForgetsTheFault)
{
    const auto hangSwitch = dir_.path() / "hang";
    std::filesystem::create_directories(hangSwitch);
    addVendors({{"hangListWhile", hangSwitch.string()}});
    {
        HostProcess first(config_);
        EXPECT_EQ(errorsOf(list(first)), (std::map<std::string, std::string> {{"broken", "TOKEN_NOT_RESPONDING"}}));
    }
    // The administrator installs another build (here: another configuration): a new identity,
    // without the old build's record.
    std::filesystem::remove(hangSwitch);
    addPlugin("broken", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortal), {{"deadlines", {{"enumerateMs", 300}}}});
    HostProcess second(config_);
    EXPECT_EQ(pluginsById(second)["broken"]["state"], "ok");
    EXPECT_EQ(vendorsListed(list(second)), (std::set<std::string> {"good", "broken"}));
}

TEST_F(HostVendorIsolation, CrashingVendorIsRecordedByTheNextHostWhichListsTheOthers)
{
    addVendors({{"crash", "list_tokens"}});
    {
        // The crash ends the host inside the call: its reply is lost, nothing can change that.
        auto first = hostThatMayCrash();
        first->send({{"id", "c"}, {"command", "list-certificates"}, {"origin", kPortal}});
        EXPECT_FALSE(first->readReply(10s));
        const auto status = first->waitForExit(5s);
        ASSERT_TRUE(status);
        EXPECT_EQ(*status, 128 + SIGSEGV);
    }
    EXPECT_EQ(markerCount(), 1u);  // what the next host reads

    HostProcess second(config_);
    auto byId = pluginsById(second);
    EXPECT_EQ(byId["good"]["state"], "ok");
    EXPECT_EQ(byId["broken"]["state"], "error");
    EXPECT_NE(byId["broken"].value("error", "").find("the host crashed (SIGSEGV) inside list_tokens"),
              std::string::npos)
        << byId["broken"];
    EXPECT_EQ(markerCount(), 0u);
    const auto reply = list(second);
    EXPECT_EQ(vendorsListed(reply), std::set<std::string> {"good"});
    EXPECT_EQ(errorsOf(reply), (std::map<std::string, std::string> {{"broken", "PLUGIN_ERROR"}}));
    // Authenticating with the good vendor's certificate does not touch the broken one either.
    const auto token = second.request({{"id", "a"},
                                       {"command", "authenticate"},
                                       {"origin", kPortal},
                                       {"arguments",
                                        {{"certificateId", reply["result"]["certificates"][0]["id"]},
                                         {"challenge", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
                                         {"pin", "123456"}}}});
    EXPECT_TRUE(token.contains("result")) << token.dump();
    second.closeInput();
    EXPECT_EQ(second.waitForExit(), 0);
}

TEST_F(HostVendorIsolation, HostStoppedInsideACallIsNotHeldAgainstThePlugin)
{
    // The browser kills a host whose page went away, also while a call is slow: no crash
    // signal, so the plugin is not recorded as broken.
    addPlugin("good", CABRIDGE_TEST_SOFT_PLUGIN, softConfig(kPortal));
    auto slow = softConfig(kPortal);
    const auto hangSwitch = dir_.path() / "slow";
    std::filesystem::create_directories(hangSwitch);
    slow["hangListWhile"] = hangSwitch.string();
    addPlugin("slow", CABRIDGE_TEST_SOFT_PLUGIN, slow, {{"deadlines", {{"enumerateMs", 30000}}}});
    {
        HostProcess first(config_);
        first.send(
            {{"id", "k"}, {"command", "list-certificates"}, {"origin", kPortal}, {"arguments", {{"vendor", "slow"}}}});
        // Wait until the host is inside the call (its marker says so), then kill it.
        for (int i = 0; i < 400 && markerState() != '1'; ++i) std::this_thread::sleep_for(50ms);
        ASSERT_EQ(markerState(), '1');
        ::kill(first.pid(), SIGKILL);
        EXPECT_EQ(first.waitForExit(5s), 128 + SIGKILL);
    }
    std::filesystem::remove(hangSwitch);
    HostProcess second(config_);
    EXPECT_EQ(pluginsById(second)["slow"]["state"], "ok");
    EXPECT_EQ(markerCount(), 0u);
    EXPECT_EQ(vendorsListed(list(second)), (std::set<std::string> {"good", "slow"}));
    EXPECT_EQ(logged("without a crash signal"), 1u) << log();
}
