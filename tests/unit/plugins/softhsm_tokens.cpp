#include "softhsm_tokens.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cabridge::test {

namespace fs = std::filesystem;

SoftHsmTokens::SoftHsmTokens() {
    fs::create_directory(dir_ + "/tokens");
    std::ofstream conf(dir_ + "/softhsm2.conf");
    conf << "directories.tokendir = " << dir_ << "/tokens\n"
         << "objectstore.backend = file\n"
         << "log.level = ERROR\n"
         << "slots.removable = false\n";
    conf.close();
    setenv("SOFTHSM2_CONF", (dir_ + "/softhsm2.conf").c_str(), 1);
}

void SoftHsmTokens::run(const std::string &command) {
    const std::string full = command + " >>'" + dir_ + "/tools.log' 2>&1";
    if (std::system(full.c_str()) != 0) {
        std::ifstream log(dir_ + "/tools.log");
        std::stringstream text;
        text << log.rdbuf();
        throw std::runtime_error("command failed: " + command + "\n" + text.str());
    }
}

std::string SoftHsmTokens::writeFile(const std::string &name, const std::vector<std::uint8_t> &bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
}

std::string SoftHsmTokens::initToken(const std::string &label, const std::string &userPin) {
    run("softhsm2-util --init-token --free --label '" + label + "' --pin '" + userPin + "' --so-pin 87654321");
    // softhsm2-util prints no serial; read it back from the token list.
    const std::string listing = dir_ + "/slots.txt";
    const std::string command = "softhsm2-util --show-slots >'" + listing + "' 2>&1";
    if (std::system(command.c_str()) != 0)
        throw std::runtime_error("softhsm2-util --show-slots failed");
    std::ifstream in(listing);
    // Within a slot's block "Serial number:" comes before "Label:".
    std::string line, serial;
    auto valueOf = [](const std::string &text) {
        std::istringstream fields(text.substr(text.find(':') + 1));
        std::string value;
        fields >> value;
        return value;
    };
    while (std::getline(in, line)) {
        if (line.find("Serial number:") != std::string::npos)
            serial = valueOf(line);
        else if (line.find("Label:") != std::string::npos && valueOf(line) == label && !serial.empty())
            return serial;
    }
    throw std::runtime_error("token " + label + " not found after init");
}

void SoftHsmTokens::importCertificateAndKey(const std::string &tokenLabel, const std::string &userPin,
                                            const std::string &idHex, const std::string &label,
                                            const std::vector<std::uint8_t> &certDer,
                                            const std::vector<std::uint8_t> &pkcs8KeyDer) {
    const std::string cert = writeFile(label + ".crt.der", certDer);
    const std::string key = writeFile(label + ".key.der", pkcs8KeyDer);
    const std::string base = std::string("pkcs11-tool --module ") + kSoftHsmModule + " --token-label '" + tokenLabel +
                             "' --login --pin '" + userPin + "' --id " + idHex + " --label '" + label + "'";
    run(base + " --write-object '" + key + "' --type privkey");
    run(base + " --write-object '" + cert + "' --type cert");
    fs::remove(key);
}

} // namespace cabridge::test
