#include <cabridge/support/pkcs11_error.h>
#include <cabridge/support/plugin_failure.h>

#include <libp11.h>
#include <p11-kit/pkcs11.h>

#include <openssl/err.h>

#include <gtest/gtest.h>

using namespace cabridge;

TEST(StatusForCkr, MapsEachDocumentedReturnValue) {
    EXPECT_EQ(statusForCkr(CKR_OK), CABRIDGE_OK);
    EXPECT_EQ(statusForCkr(CKR_PIN_INCORRECT), CABRIDGE_ERR_PIN_INCORRECT);
    EXPECT_EQ(statusForCkr(CKR_PIN_LOCKED), CABRIDGE_ERR_PIN_LOCKED);
    EXPECT_EQ(statusForCkr(CKR_PIN_LEN_RANGE), CABRIDGE_ERR_PIN_INVALID);
    EXPECT_EQ(statusForCkr(CKR_PIN_INVALID), CABRIDGE_ERR_PIN_INVALID);
    for (auto ckr : {CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_REMOVED, CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED,
                     CKR_SLOT_ID_INVALID})
        EXPECT_EQ(statusForCkr(ckr), CABRIDGE_ERR_TOKEN_REMOVED) << ckr;
    for (auto ckr : {CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_FUNCTION_FAILED})
        EXPECT_EQ(statusForCkr(ckr), CABRIDGE_ERR_DEVICE) << ckr;
    EXPECT_EQ(statusForCkr(CKR_GENERAL_ERROR), CABRIDGE_ERR_PLUGIN);
    EXPECT_EQ(statusForCkr(CKR_MECHANISM_INVALID), CABRIDGE_ERR_PLUGIN);
}

TEST(TakeCkrFromErrorQueue, FindsTheCkrAmongOtherErrorsAndDrainsTheQueue) {
    ERR_clear_error();
    ERR_raise(ERR_LIB_EVP, EVP_R_BAD_DECRYPT); // unrelated junk first, as SoftHSM leaves
    ERR_raise(ERR_get_CKR_code(), CKR_PIN_INCORRECT);
    EXPECT_EQ(takeCkrFromErrorQueue(), CKR_PIN_INCORRECT);
    EXPECT_EQ(ERR_peek_error(), 0u);
    EXPECT_EQ(takeCkrFromErrorQueue(), 0u);
}

TEST(ThrowPkcs11Failure, CarriesStatusCkrAndCallName) {
    ERR_clear_error();
    ERR_raise(ERR_get_CKR_code(), CKR_DEVICE_REMOVED);
    try {
        throwPkcs11Failure("C_Login");
        FAIL() << "no exception";
    } catch (const PluginFailure &e) {
        EXPECT_EQ(e.status(), CABRIDGE_ERR_TOKEN_REMOVED);
        EXPECT_EQ(e.ckr(), CKR_DEVICE_REMOVED);
        EXPECT_STREQ(e.what(), "C_Login failed: CKR_DEVICE_REMOVED");
    }
}

TEST(ThrowPkcs11Failure, WithoutCkrIsPluginFailure) {
    ERR_clear_error();
    try {
        throwPkcs11Failure("C_FindObjects");
        FAIL() << "no exception";
    } catch (const PluginFailure &e) {
        EXPECT_EQ(e.status(), CABRIDGE_ERR_PLUGIN);
        EXPECT_EQ(e.ckr(), 0u);
    }
}
