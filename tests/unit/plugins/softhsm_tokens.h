// A private SoftHSM token directory for one test process, provisioned with
// softhsm2-util and pkcs11-tool the way an administrator would.
#pragma once

#include <cabridge/test_support/temp_dir.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cabridge::test {

inline constexpr const char *kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";

class SoftHsmTokens {
public:
    // Creates a temp dir (removed with the object) with its own softhsm2.conf
    // and points SOFTHSM2_CONF at it (before any module is loaded in this process).
    SoftHsmTokens();

    // Initialises a token in the next free slot. Returns its serial.
    std::string initToken(const std::string &label, const std::string &userPin);

    // Imports a certificate and its private key (same CKA_ID and label).
    void importCertificateAndKey(const std::string &tokenLabel, const std::string &userPin, const std::string &idHex,
                                 const std::string &label, const std::vector<std::uint8_t> &certDer,
                                 const std::vector<std::uint8_t> &pkcs8KeyDer);

    const std::string &dir() const { return dir_; }

private:
    void run(const std::string &command);
    std::string writeFile(const std::string &name, const std::vector<std::uint8_t> &bytes);
    test_support::TempDir temp_{"cabridge-softhsm-"};
    std::string dir_ = temp_.path().string();
};

} // namespace cabridge::test
