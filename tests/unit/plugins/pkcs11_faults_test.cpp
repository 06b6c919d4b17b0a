// The generic PKCS#11 plugin, as the shipped hebca.json configures it, over tests/faultmod
// (a PKCS#11 module forwarding to SoftHSM
// that adds a PIN retry counter, key removal and device errors), through the
// plugin's C ABI: the error codes a real USB key produces.
#include "hebca_descriptor.h"
#include "plugin_under_test.h"
#include "softhsm_tokens.h"
#include <cabridge/test_support/der_values.h>
#include <cabridge/test_support/test_certificate.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

using namespace cabridge::test;
using namespace cabridge::test_support;
using nlohmann::json;

namespace {

constexpr const char *kPin = "123456";

class Pkcs11WithFaults : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        tokens_ = std::make_unique<SoftHsmTokens>();
        serial_ = tokens_->initToken("fault-key", kPin);
        otherSerial_ = tokens_->initToken("other-key", kPin);
        const auto ec = generateKey(KeyType::P256);
        tokens_->importCertificateAndKey("fault-key", kPin, "0a", "ec", makeCertificateDer({}, ec.get()),
                                         pkcs8Der(ec.get()));
        control_ = tokens_->dir() + "/fault-control";
        setenv("CABRIDGE_FAULT_CONTROL", control_.c_str(), 1);
        setenv("CABRIDGE_FAULT_STATE", (tokens_->dir() + "/fault-state").c_str(), 1);
        setenv("CABRIDGE_FAULT_TARGET", kSoftHsmModule, 1);
        plugin_ = std::make_unique<PluginUnderTest>(
            CABRIDGE_PKCS11_PLUGIN_PATH,
            shippedHebcaConfigWith({{"modules", {CABRIDGE_FAULT_MODULE_PATH}},
                                    {"retryCounter", {{"symbol", "cabridge_fault_get_pin_retries"}}}})
                .dump());
    }
    static void TearDownTestSuite() {
        plugin_.reset();
        tokens_.reset();
    }
    void SetUp() override { setFaults("pin_max_retries=3\nonly_label=fault-key\n"); }
    void TearDown() override {
        plugin_->logout(serial_);
        std::filesystem::remove(tokens_->dir() + "/fault-state");
    }
    static void setFaults(const std::string &lines) { std::ofstream(control_) << lines; }

    static json tokenNamed(const std::string &serial) {
        const auto r = plugin_->listTokens();
        EXPECT_EQ(r.status, CABRIDGE_OK) << r.error.message;
        for (const json &t : json::parse(r.output)) {
            if (t["serial"] == serial)
                return t;
        }
        return nullptr;
    }

    static inline std::unique_ptr<SoftHsmTokens> tokens_;
    static inline std::unique_ptr<PluginUnderTest> plugin_;
    static inline std::string serial_, otherSerial_, control_;
    const std::vector<std::uint8_t> data_{1, 2, 3};
};

} // namespace

TEST_F(Pkcs11WithFaults, ListReportsExactRetriesWhereTheTokenKnowsThem) {
    const json key = tokenNamed(serial_);
    EXPECT_EQ(key["retriesLeft"], 3);
    EXPECT_EQ(tokenNamed(otherSerial_)["retriesLeft"], nullptr); // counter does not apply there
}

TEST_F(Pkcs11WithFaults, WrongPinsCountDownToFinalTryThenLock) {
    auto r = plugin_->login(serial_, "000000");
    EXPECT_EQ(r.status, CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(r.error.retries_left, 2);
    EXPECT_EQ(r.error.final_try, 0);
    EXPECT_EQ(tokenNamed(serial_)["pinFlags"], (json{{"countLow", true}, {"finalTry", false}, {"locked", false}}));

    r = plugin_->login(serial_, "000000");
    EXPECT_EQ(r.status, CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(r.error.retries_left, 1);
    EXPECT_EQ(r.error.final_try, 1);

    // The last wrong PIN locks the key: reported as locked, not as "incorrect".
    r = plugin_->login(serial_, "000000");
    EXPECT_EQ(r.status, CABRIDGE_ERR_PIN_LOCKED);
    EXPECT_EQ(r.error.retries_left, 0);

    r = plugin_->login(serial_, kPin);
    EXPECT_EQ(r.status, CABRIDGE_ERR_PIN_LOCKED);
    EXPECT_EQ(r.error.ckr, 0xA4u); // CKR_PIN_LOCKED
    EXPECT_EQ(tokenNamed(serial_)["pinFlags"]["locked"], true);
}

TEST_F(Pkcs11WithFaults, RightPinResetsTheCounter) {
    EXPECT_EQ(plugin_->login(serial_, "000000").status, CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    EXPECT_EQ(plugin_->logout(serial_).status, CABRIDGE_OK);
    EXPECT_EQ(tokenNamed(serial_)["retriesLeft"], 3);
}

TEST_F(Pkcs11WithFaults, KeyPulledOutBeforeSigningIsTokenRemoved) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    setFaults("only_label=fault-key\nremove_before=C_SignInit\n");
    const auto r = plugin_->sign(serial_, "0a", "ES256", data_);
    EXPECT_EQ(r.status, CABRIDGE_ERR_TOKEN_REMOVED) << r.error.message;
    EXPECT_NE(r.error.ckr, 0u);
}

TEST_F(Pkcs11WithFaults, DeviceErrorWhileSigningIsDeviceError) {
    ASSERT_EQ(plugin_->login(serial_, kPin).status, CABRIDGE_OK);
    setFaults("only_label=fault-key\ndevice_error_on=C_Sign,C_SignFinal\n");
    const auto r = plugin_->sign(serial_, "0a", "ES256", data_);
    EXPECT_EQ(r.status, CABRIDGE_ERR_DEVICE) << r.error.message;
    EXPECT_EQ(r.error.ckr, 0x30u); // CKR_DEVICE_ERROR
}

TEST_F(Pkcs11WithFaults, DeviceErrorAtLoginIsDeviceError) {
    setFaults("only_label=fault-key\ndevice_error_on=C_Login\n");
    const auto r = plugin_->login(serial_, kPin);
    EXPECT_EQ(r.status, CABRIDGE_ERR_DEVICE);
    EXPECT_EQ(std::string(r.error.message), "C_Login failed: CKR_DEVICE_ERROR");
}
