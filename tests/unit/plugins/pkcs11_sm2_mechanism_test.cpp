// The descriptor's "sm2" object: every vendor number and style is stated, nothing guessed.
#include <cabridge/support/pkcs11_sm2_mechanism.h>
#include <cabridge/support/plugin_failure.h>

#include <gtest/gtest.h>

#include <string>

namespace cabridge {
namespace {

using nlohmann::json;

json vendorA() {
    return {{"keyType", "0x80000004"}, {"mechanism", "0x80008100"}, {"style", "message"}, {"signature", "raw"}};
}

// The PluginFailure message of parsing `value`, or "" when it parses.
std::string refusal(const json &value) {
    try {
        parseSm2Mechanism(value, "test config");
    } catch (const PluginFailure &e) {
        EXPECT_EQ(e.status(), CABRIDGE_ERR_INVALID_CONFIG);
        return e.what();
    }
    return "";
}

TEST(Sm2Mechanism, HexStringsAndIntegersGiveTheVendorsNumbers) {
    const Sm2Mechanism a = parseSm2Mechanism(vendorA(), "test config");
    EXPECT_EQ(a.keyType, CKK_VENDOR_DEFINED + 4);
    EXPECT_EQ(a.mechanism, CKM_VENDOR_DEFINED + 0x8100);
    EXPECT_EQ(a.input, Sm2Mechanism::Input::Message);
    EXPECT_EQ(a.encoding, Sm2Mechanism::Encoding::Raw);
    EXPECT_FALSE(a.signerIdParameter);

    const Sm2Mechanism ibm = parseSm2Mechanism(
        {{"keyType", 2147811330UL}, {"mechanism", "0x8005000C"}, {"style", "digest"}, {"signature", "der"}}, "c");
    EXPECT_EQ(ibm.keyType, 0x80050002UL);
    EXPECT_EQ(ibm.mechanism, 0x8005000CUL);
    EXPECT_EQ(ibm.input, Sm2Mechanism::Input::Digest);
    EXPECT_EQ(ibm.encoding, Sm2Mechanism::Encoding::Der);

    json ec = vendorA();
    ec["keyType"] = "CKK_EC";
    ec["signerIdParameter"] = true;
    const Sm2Mechanism withId = parseSm2Mechanism(ec, "c");
    EXPECT_EQ(withId.keyType, CKK_EC);
    EXPECT_TRUE(withId.signerIdParameter);
}

TEST(Sm2Mechanism, MissingUnknownAndMalformedKeysAreRefusedByName) {
    for (const char *key : {"keyType", "mechanism", "style", "signature"}) {
        json value = vendorA();
        value.erase(key);
        EXPECT_NE(refusal(value).find(std::string("sm2.") + key), std::string::npos) << key;
    }
    json value = vendorA();
    value["mechanizm"] = 1;
    EXPECT_NE(refusal(value).find("sm2.mechanizm"), std::string::npos);
    for (const json &bad : {json("0x"), json("-1"), json("0x1g"), json(-5), json(1.5), json("0x1ffffffffffffffff"),
                            json(true), json("")}) {
        value = vendorA();
        value["mechanism"] = bad;
        EXPECT_NE(refusal(value).find("sm2.mechanism"), std::string::npos) << bad.dump();
    }
    value = vendorA();
    value["style"] = "hash";
    EXPECT_NE(refusal(value).find("sm2.style"), std::string::npos);
    value = vendorA();
    value["signature"] = "asn1";
    EXPECT_NE(refusal(value).find("sm2.signature"), std::string::npos);
    value = vendorA();
    value["signerIdParameter"] = "yes";
    EXPECT_NE(refusal(value).find("sm2.signerIdParameter"), std::string::npos);
    EXPECT_NE(refusal(json::array()).find("sm2 must be an object"), std::string::npos);
}

TEST(Sm2Mechanism, ASignerIdParameterNeedsTheMessageStyle) {
    json value = vendorA();
    value["style"] = "digest";
    value["signerIdParameter"] = true;
    EXPECT_NE(refusal(value).find("signerIdParameter"), std::string::npos);
}

} // namespace
} // namespace cabridge
