// Tests of libcabridge-softskf through its C ABI, loaded with dlopen as a plugin would load a
// vendor's SKF library. Signatures are checked with OpenSSL (library and `openssl` CLI) only.
#include "cabridge/skf.h"

#include <cabridge/test_support/temp_dir.h>
#include <cabridge/test_support/test_certificate.h>

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Bytes = std::vector<unsigned char>;

template <auto FreeFn>
struct Free {
    template <class T>
    void operator()(T* p) const noexcept
    {
        FreeFn(p);
    }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<&EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<&EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<&EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Free<&X509_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<&BN_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Free<&BN_CTX_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Free<&EC_GROUP_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Free<&ECDSA_SIG_free>>;

constexpr char kDistId[] = "1234567812345678";
char kUserPin[] = "123456";
char kAdminPin[] = "12345678";
char kWrongPin[] = "654321";
char kDev1[] = "HEBCA-SKF-1";
char kDev2[] = "HEBCA-SKF-2";
char kApp[] = "HEBCA";
char kSm2Container[] = "sm2-org";
char kRsaContainer[] = "rsa-org";
char kEmptyContainer[] = "empty";

// ---- the library, bound by name --------------------------------------------------------------

// clang-format off
#define SKF_CALLS(X) \
    X(SKF_EnumDev) \
    X(SKF_ConnectDev) \
    X(SKF_DisConnectDev) \
    X(SKF_GetDevState) \
    X(SKF_GetDevInfo) \
    X(SKF_GenRandom) \
    X(SKF_EnumApplication) \
    X(SKF_OpenApplication) \
    X(SKF_CloseApplication) \
    X(SKF_GetPINInfo) \
    X(SKF_VerifyPIN) \
    X(SKF_ChangePIN) \
    X(SKF_UnblockPIN) \
    X(SKF_ClearSecureState) \
    X(SKF_EnumContainer) \
    X(SKF_OpenContainer) \
    X(SKF_CloseContainer) \
    X(SKF_GetContainerType) \
    X(SKF_ImportCertificate) \
    X(SKF_ExportCertificate) \
    X(SKF_ExportPublicKey) \
    X(SKF_GenRSAKeyPair) \
    X(SKF_RSASignData) \
    X(SKF_GenECCKeyPair) \
    X(SKF_ECCSignData)
// clang-format on

struct Skf {
// The name is a declarator here: it cannot be parenthesised.
#define SKF_MEMBER(name) decltype(&::name) name = nullptr;  // NOLINT(bugprone-macro-parentheses)
    SKF_CALLS(SKF_MEMBER)
#undef SKF_MEMBER
};

const Skf& skf()
{
    static const Skf table = [] {
        Skf t;
        // Never closed: the library stays for the whole test process, as in a host.
        void* lib = dlopen(CABRIDGE_SOFTSKF_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (lib == nullptr) {
            std::fprintf(stderr, "dlopen: %s\n", dlerror());
            std::abort();
        }
#define SKF_BIND(name)                                               \
    t.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, #name)); \
    if (t.name == nullptr) std::abort();
        SKF_CALLS(SKF_BIND)
#undef SKF_BIND
        return t;
    }();
    return table;
}

// The vendor extension for online unlock (softskf's own calls, not GM/T 0016).
struct SkfExtension {
    ULONG(SKF_API* GetUnblockChallenge)(HAPPLICATION, BYTE*, ULONG*) = nullptr;
    ULONG(SKF_API* UnblockPINByResponse)(HAPPLICATION, BYTE*, ULONG, LPSTR, ULONG*) = nullptr;
};

const SkfExtension& skfx()
{
    static const SkfExtension table = [] {
        SkfExtension t;
        void* lib = dlopen(CABRIDGE_SOFTSKF_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (lib == nullptr) std::abort();
        t.GetUnblockChallenge = reinterpret_cast<decltype(t.GetUnblockChallenge)>(
            dlsym(lib, "SKFX_GetUnblockChallenge"));
        t.UnblockPINByResponse = reinterpret_cast<decltype(t.UnblockPINByResponse)>(
            dlsym(lib, "SKFX_UnblockPINByResponse"));
        if (t.GetUnblockChallenge == nullptr || t.UnblockPINByResponse == nullptr) std::abort();
        return t;
    }();
    return table;
}

// ---- helpers ---------------------------------------------------------------------------------

std::vector<std::string> splitMultiString(const std::vector<char>& buf)
{
    std::vector<std::string> out;
    size_t i = 0;
    while (i < buf.size() && buf[i] != '\0') {
        std::string name(&buf[i]);
        i += name.size() + 1;
        out.push_back(std::move(name));
    }
    return out;
}

std::string readText(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeText(const fs::path& p, const std::string& text)
{
    const fs::path tmp = p.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
    }
    fs::rename(tmp, p);
}

Bytes sm3(const Bytes& data)
{
    Bytes out(32);
    unsigned int len = 0;
    EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sm3(), nullptr), 1);
    return out;
}

Bytes bn32(const BIGNUM* bn)
{
    Bytes out(32);
    EXPECT_EQ(BN_bn2binpad(bn, out.data(), 32), 32);
    return out;
}

// Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), written out here from the SM2
// definition (not through OpenSSL's SM2 code), then e = SM3(Z || M).
Bytes sm2Digest(const ECCPUBLICKEYBLOB& pub, const Bytes& message)
{
    EcGroupPtr group(EC_GROUP_new_by_curve_name(NID_sm2));
    BnPtr p(BN_new()), a(BN_new()), b(BN_new()), x(BN_new()), y(BN_new());
    BnCtxPtr ctx(BN_CTX_new());
    EXPECT_EQ(EC_GROUP_get_curve(group.get(), p.get(), a.get(), b.get(), ctx.get()), 1);
    EXPECT_EQ(
        EC_POINT_get_affine_coordinates(group.get(), EC_GROUP_get0_generator(group.get()), x.get(), y.get(), ctx.get()),
        1);
    Bytes z;
    const size_t idBits = (sizeof(kDistId) - 1) * 8;
    z.push_back(static_cast<unsigned char>(idBits >> 8));
    z.push_back(static_cast<unsigned char>(idBits & 0xff));
    z.insert(z.end(), kDistId, kDistId + sizeof(kDistId) - 1);
    for (const BIGNUM* v : {a.get(), b.get(), x.get(), y.get()}) {
        Bytes part = bn32(v);
        z.insert(z.end(), part.begin(), part.end());
    }
    z.insert(z.end(), pub.XCoordinate + 32, pub.XCoordinate + 64);
    z.insert(z.end(), pub.YCoordinate + 32, pub.YCoordinate + 64);
    Bytes zm = sm3(z);
    zm.insert(zm.end(), message.begin(), message.end());
    return sm3(zm);
}

Bytes blobToDer(const ECCSIGNATUREBLOB& blob)
{
    for (int i = 0; i < 32; ++i) {
        EXPECT_EQ(blob.r[i], 0) << "r is right-aligned in its 64-byte field";
        EXPECT_EQ(blob.s[i], 0) << "s is right-aligned in its 64-byte field";
    }
    EcdsaSigPtr sig(ECDSA_SIG_new());
    ECDSA_SIG_set0(sig.get(), BN_bin2bn(blob.r + 32, 32, nullptr), BN_bin2bn(blob.s + 32, 32, nullptr));
    const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
    Bytes der(static_cast<size_t>(len));
    unsigned char* p = der.data();
    i2d_ECDSA_SIG(sig.get(), &p);
    return der;
}

X509Ptr parseDer(const Bytes& der)
{
    const unsigned char* p = der.data();
    return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// SM2 verification through OpenSSL's high-level path: SM3 with the signer ID over the message.
bool sm2Verify(EVP_PKEY* key, const Bytes& message, const Bytes& derSig)
{
    MdCtxPtr md(EVP_MD_CTX_new());
    PkeyCtxPtr pctx(EVP_PKEY_CTX_new(key, nullptr));
    if (EVP_PKEY_CTX_set1_id(pctx.get(), kDistId, sizeof(kDistId) - 1) != 1) return false;
    EVP_MD_CTX_set_pkey_ctx(md.get(), pctx.get());
    if (EVP_DigestVerifyInit(md.get(), nullptr, EVP_sm3(), nullptr, key) != 1) return false;
    return EVP_DigestVerify(md.get(), derSig.data(), derSig.size(), message.data(), message.size()) == 1;
}

int runShell(const std::string& cmd)
{
    return std::system(cmd.c_str());
}  // NOLINT(cert-env33-c)

void writeBytes(const fs::path& p, const Bytes& b)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void writePublicKeyPem(const fs::path& p, EVP_PKEY* key)
{
    std::unique_ptr<BIO, Free<&BIO_free>> bio(BIO_new_file(p.c_str(), "wb"));
    ASSERT_TRUE(bio);
    ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), key), 1);
}

// ---- fixture ---------------------------------------------------------------------------------

class SoftSkf : public ::testing::Test {
protected:
    void SetUp() override
    {
        const char* fixture = std::getenv("CABRIDGE_SOFTSKF_FIXTURE");
        ASSERT_NE(fixture, nullptr) << "run through ctest (the softskf.fixture test provisions the state)";
        fixture_ = fixture;
        state_ = work_ / "state";
        fs::copy(fixture_ / "state", state_, fs::copy_options::recursive);
        ASSERT_EQ(setenv("CABRIDGE_SOFTSKF_DIR", state_.c_str(), 1), 0);
    }
    void setFaults(const Json& faults) { writeText(state_ / "faults.json", faults.dump()); }
    void clearFaults() { fs::remove(state_ / "faults.json"); }
    Json deviceState(int i) { return Json::parse(readText(state_ / ("dev" + std::to_string(i)) / "device.json")); }

    DEVHANDLE connect(char* name)
    {
        DEVHANDLE dev = nullptr;
        EXPECT_EQ(skf().SKF_ConnectDev(name, &dev), SAR_OK);
        return dev;
    }
    HAPPLICATION openApp(char* devName)
    {
        HAPPLICATION app = nullptr;
        EXPECT_EQ(skf().SKF_OpenApplication(connect(devName), kApp, &app), SAR_OK);
        return app;
    }
    HCONTAINER openContainer(HAPPLICATION app, char* name)
    {
        HCONTAINER con = nullptr;
        EXPECT_EQ(skf().SKF_OpenContainer(app, name, &con), SAR_OK);
        return con;
    }
    void login(HAPPLICATION app)
    {
        ULONG retry = 99;
        ASSERT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_OK);
    }
    ULONG remaining(HAPPLICATION app, ULONG type)
    {
        ULONG max = 0, left = 0;
        BOOL def = -1;
        EXPECT_EQ(skf().SKF_GetPINInfo(app, type, &max, &left, &def), SAR_OK);
        return left;
    }
    Bytes exportCert(HCONTAINER con, BOOL sign)
    {
        ULONG len = 0;
        EXPECT_EQ(skf().SKF_ExportCertificate(con, sign, nullptr, &len), SAR_OK);
        Bytes der(len);
        EXPECT_EQ(skf().SKF_ExportCertificate(con, sign, der.data(), &len), SAR_OK);
        der.resize(len);
        return der;
    }
    ECCPUBLICKEYBLOB exportEcc(HCONTAINER con, BOOL sign)
    {
        ECCPUBLICKEYBLOB blob {};
        ULONG len = sizeof(blob);
        EXPECT_EQ(skf().SKF_ExportPublicKey(con, sign, reinterpret_cast<BYTE*>(&blob), &len), SAR_OK);
        EXPECT_EQ(len, sizeof(blob));
        return blob;
    }
    // Signs e = SM3(Z || message) computed here and returns the DER signature.
    Bytes signSm2(HCONTAINER con, const ECCPUBLICKEYBLOB& pub, const Bytes& message)
    {
        Bytes e = sm2Digest(pub, message);
        ECCSIGNATUREBLOB sig {};
        EXPECT_EQ(skf().SKF_ECCSignData(con, e.data(), static_cast<ULONG>(e.size()), &sig), SAR_OK);
        return blobToDer(sig);
    }

    fs::path fixture_;
    cabridge::test_support::TempDir workDir_ {"cabridge-softskf-test."};
    fs::path work_ = workDir_.path();
    fs::path state_;
};

// ---- layout ----------------------------------------------------------------------------------

TEST(SkfHeader, StructuresArePackedAsTheSpecificationLaysThemOut)
{
    EXPECT_EQ(sizeof(ULONG), 4U);
    EXPECT_EQ(sizeof(BOOL), 4U);
    EXPECT_EQ(sizeof(VERSION), 2U);
    EXPECT_EQ(sizeof(DEVINFO), 294U);
    EXPECT_EQ(offsetof(DEVINFO, Manufacturer), 2U);
    EXPECT_EQ(offsetof(DEVINFO, Issuer), 66U);
    EXPECT_EQ(offsetof(DEVINFO, Label), 130U);
    EXPECT_EQ(offsetof(DEVINFO, SerialNumber), 162U);
    EXPECT_EQ(offsetof(DEVINFO, HWVersion), 194U);
    EXPECT_EQ(offsetof(DEVINFO, AlgSymCap), 198U);
    EXPECT_EQ(offsetof(DEVINFO, MaxBufferSize), 226U);
    EXPECT_EQ(offsetof(DEVINFO, Reserved), 230U);
    EXPECT_EQ(sizeof(ECCPUBLICKEYBLOB), 132U);
    EXPECT_EQ(offsetof(ECCPUBLICKEYBLOB, XCoordinate), 4U);
    EXPECT_EQ(offsetof(ECCPUBLICKEYBLOB, YCoordinate), 68U);
    EXPECT_EQ(sizeof(ECCSIGNATUREBLOB), 128U);
    EXPECT_EQ(offsetof(ECCSIGNATUREBLOB, s), 64U);
    EXPECT_EQ(sizeof(RSAPUBLICKEYBLOB), 268U);
    EXPECT_EQ(offsetof(RSAPUBLICKEYBLOB, Modulus), 8U);
    EXPECT_EQ(offsetof(RSAPUBLICKEYBLOB, PublicExponent), 264U);
}

// ---- enumeration -----------------------------------------------------------------------------

TEST_F(SoftSkf, EnumDevFollowsTheSizeQueryConventionAndListsEveryDevice)
{
    ULONG size = 0;
    ASSERT_EQ(skf().SKF_EnumDev(TRUE, nullptr, &size), SAR_OK);
    const std::string expected = std::string(kDev1) + '\0' + kDev2 + '\0' + '\0';
    EXPECT_EQ(size, expected.size());
    std::vector<char> small(size - 1, 'x');
    ULONG smallSize = size - 1;
    EXPECT_EQ(skf().SKF_EnumDev(TRUE, small.data(), &smallSize), SAR_BUFFER_TOO_SMALL);
    EXPECT_EQ(smallSize, size);
    std::vector<char> buf(size + 10, 'x');
    ULONG bufSize = static_cast<ULONG>(buf.size());
    ASSERT_EQ(skf().SKF_EnumDev(TRUE, buf.data(), &bufSize), SAR_OK);
    EXPECT_EQ(bufSize, size);
    EXPECT_EQ(std::string(buf.data(), size), expected);
    EXPECT_EQ(splitMultiString(buf), (std::vector<std::string> {kDev1, kDev2}));
    EXPECT_EQ(skf().SKF_EnumDev(TRUE, buf.data(), nullptr), SAR_INVALIDPARAMERR);
}

TEST_F(SoftSkf, EnumApplicationAndEnumContainerAreMultiStrings)
{
    DEVHANDLE dev = connect(kDev1);
    ULONG size = 0;
    ASSERT_EQ(skf().SKF_EnumApplication(dev, nullptr, &size), SAR_OK);
    std::vector<char> apps(size);
    ASSERT_EQ(skf().SKF_EnumApplication(dev, apps.data(), &size), SAR_OK);
    EXPECT_EQ(splitMultiString(apps), (std::vector<std::string> {"HEBCA"}));

    HAPPLICATION app = nullptr;
    char missing[] = "NO-SUCH-APP";
    EXPECT_EQ(skf().SKF_OpenApplication(dev, missing, &app), SAR_APPLICATION_NOT_EXISTS);
    ASSERT_EQ(skf().SKF_OpenApplication(dev, kApp, &app), SAR_OK);
    ASSERT_EQ(skf().SKF_EnumContainer(app, nullptr, &size), SAR_OK);
    EXPECT_EQ(size, std::string("sm2-org\0rsa-org\0empty\0\0", 23).size())
        << "three names, each NUL-terminated, and a NUL";
    std::vector<char> cons(size);
    ULONG tooSmall = 3;
    EXPECT_EQ(skf().SKF_EnumContainer(app, cons.data(), &tooSmall), SAR_BUFFER_TOO_SMALL);
    EXPECT_EQ(tooSmall, size);
    ASSERT_EQ(skf().SKF_EnumContainer(app, cons.data(), &size), SAR_OK);
    EXPECT_EQ(splitMultiString(cons), (std::vector<std::string> {"sm2-org", "rsa-org", "empty"}));

    ULONG type = 99;
    ASSERT_EQ(skf().SKF_GetContainerType(openContainer(app, kSm2Container), &type), SAR_OK);
    EXPECT_EQ(type, SKF_CONTAINER_ECC);
    ASSERT_EQ(skf().SKF_GetContainerType(openContainer(app, kRsaContainer), &type), SAR_OK);
    EXPECT_EQ(type, SKF_CONTAINER_RSA);
    ASSERT_EQ(skf().SKF_GetContainerType(openContainer(app, kEmptyContainer), &type), SAR_OK);
    EXPECT_EQ(type, SKF_CONTAINER_EMPTY);
    HCONTAINER con = nullptr;
    char noContainer[] = "nope";
    EXPECT_EQ(skf().SKF_OpenContainer(app, noContainer, &con), SAR_INVALIDPARAMERR);
    EXPECT_EQ(skf().SKF_CloseApplication(app), SAR_OK);
    EXPECT_EQ(skf().SKF_CloseApplication(app), SAR_INVALIDHANDLEERR);
    EXPECT_EQ(skf().SKF_DisConnectDev(dev), SAR_OK);
}

TEST_F(SoftSkf, DeviceInfoAndStateComeFromTheConfiguration)
{
    DEVHANDLE dev = connect(kDev2);
    DEVINFO info {};
    ASSERT_EQ(skf().SKF_GetDevInfo(dev, &info), SAR_OK);
    EXPECT_STREQ(info.Label, "HEBCA SM2 KEY 2");
    EXPECT_STREQ(info.SerialNumber, "SKF2026000002");
    EXPECT_STREQ(info.Manufacturer, "cabridge softskf");
    EXPECT_STREQ(info.Issuer, "HEBCA (test)");
    EXPECT_EQ(info.Version.major, 1);
    EXPECT_NE(info.AlgAsymCap & SGD_RSA, 0U);
    EXPECT_NE(info.AlgHashCap & SGD_SM3, 0U);
    ULONG state = 99;
    ASSERT_EQ(skf().SKF_GetDevState(kDev2, &state), SAR_OK);
    EXPECT_EQ(state, DEV_PRESENT_STATE);
    char unknown[] = "NO-SUCH-KEY";
    ASSERT_EQ(skf().SKF_GetDevState(unknown, &state), SAR_OK);
    EXPECT_EQ(state, DEV_ABSENT_STATE);
    DEVHANDLE none = nullptr;
    EXPECT_EQ(skf().SKF_ConnectDev(unknown, &none), SAR_INVALIDPARAMERR);

    Bytes random(48, 0);
    ASSERT_EQ(skf().SKF_GenRandom(dev, random.data(), static_cast<ULONG>(random.size())), SAR_OK);
    EXPECT_NE(random, Bytes(48, 0));
    EXPECT_EQ(skf().SKF_GenRandom(dev, random.data(), 0), SAR_INVALIDPARAMERR);

    int bogus = 0;
    EXPECT_EQ(skf().SKF_GetDevInfo(&bogus, &info), SAR_INVALIDHANDLEERR);
    EXPECT_EQ(skf().SKF_GetDevInfo(dev, nullptr), SAR_INVALIDPARAMERR);
    EXPECT_EQ(skf().SKF_DisConnectDev(dev), SAR_OK);
    EXPECT_EQ(skf().SKF_GetDevInfo(dev, &info), SAR_INVALIDHANDLEERR);
}

// ---- PINs ------------------------------------------------------------------------------------

TEST_F(SoftSkf, PinInfoGivesExactCountsAndTheDefaultPinFlag)
{
    HAPPLICATION app1 = openApp(kDev1);
    ULONG max = 0, left = 0;
    BOOL def = -1;
    ASSERT_EQ(skf().SKF_GetPINInfo(app1, USER_TYPE, &max, &left, &def), SAR_OK);
    EXPECT_EQ(max, 6U);
    EXPECT_EQ(left, 6U);
    EXPECT_EQ(def, FALSE);
    ASSERT_EQ(skf().SKF_GetPINInfo(app1, ADMIN_TYPE, &max, &left, &def), SAR_OK);
    EXPECT_EQ(max, 10U);
    EXPECT_EQ(def, TRUE);
    EXPECT_EQ(skf().SKF_GetPINInfo(app1, 7, &max, &left, &def), SAR_USER_TYPE_INVALID);

    HAPPLICATION app2 = openApp(kDev2);
    ASSERT_EQ(skf().SKF_GetPINInfo(app2, USER_TYPE, &max, &left, &def), SAR_OK);
    EXPECT_EQ(max, 3U);
    EXPECT_EQ(def, TRUE) << "HEBCA-SKF-2 still has its factory PIN";
}

TEST_F(SoftSkf, VerifyPinCountsDownExactlyAndLocksAtZero)
{
    HAPPLICATION app = openApp(kDev1);
    for (ULONG expected = 5;; --expected) {
        ULONG retry = 99;
        ASSERT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kWrongPin, &retry), SAR_PIN_INCORRECT);
        EXPECT_EQ(retry, expected);
        EXPECT_EQ(remaining(app, USER_TYPE), expected);
        if (expected == 0) break;
    }
    ULONG retry = 99;
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_PIN_LOCKED) << "locked: even the right PIN";
    EXPECT_EQ(retry, 0U);
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kWrongPin, &retry), SAR_PIN_LOCKED);
    EXPECT_EQ(remaining(app, USER_TYPE), 0U);
    EXPECT_EQ(remaining(app, ADMIN_TYPE), 10U) << "the administrator PIN has its own counter";
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, nullptr, &retry), SAR_INVALIDPARAMERR);
}

TEST_F(SoftSkf, RightPinResetsTheCounter)
{
    HAPPLICATION app = openApp(kDev1);
    ULONG retry = 0;
    ASSERT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kWrongPin, &retry), SAR_PIN_INCORRECT);
    ASSERT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kWrongPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(retry, 4U);
    ASSERT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_OK);
    EXPECT_EQ(remaining(app, USER_TYPE), 6U);
    EXPECT_EQ(deviceState(0)["applications"][0]["user"]["remaining"], 6) << "kept in the state directory";
}

TEST_F(SoftSkf, UnblockPinWithTheAdminPinResetsTheUserPin)
{
    HAPPLICATION app = openApp(kDev2);
    ULONG retry = 0;
    for (int i = 0; i < 3; ++i) ASSERT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kWrongPin, &retry), SAR_PIN_INCORRECT);
    ASSERT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_PIN_LOCKED);

    char newPin[] = "24680135";
    EXPECT_EQ(skf().SKF_UnblockPIN(app, kWrongPin, newPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(retry, 4U) << "a wrong administrator PIN spends an administrator try";
    EXPECT_EQ(remaining(app, ADMIN_TYPE), 4U);
    char shortPin[] = "123";
    EXPECT_EQ(skf().SKF_UnblockPIN(app, kAdminPin, shortPin, &retry), SAR_PIN_LEN_RANGE);
    EXPECT_EQ(remaining(app, ADMIN_TYPE), 4U) << "refused before the administrator PIN was tried";

    ASSERT_EQ(skf().SKF_UnblockPIN(app, kAdminPin, newPin, &retry), SAR_OK);
    EXPECT_EQ(retry, 5U);
    EXPECT_EQ(remaining(app, USER_TYPE), 3U);
    EXPECT_EQ(remaining(app, ADMIN_TYPE), 5U);
    ULONG max = 0, left = 0;
    BOOL def = TRUE;
    ASSERT_EQ(skf().SKF_GetPINInfo(app, USER_TYPE, &max, &left, &def), SAR_OK);
    EXPECT_EQ(def, FALSE) << "no longer the factory PIN";
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, newPin, &retry), SAR_OK);
}

TEST_F(SoftSkf, AdminPinLocksToo)
{
    HAPPLICATION app = openApp(kDev2);
    ULONG retry = 0;
    char newPin[] = "24680135";
    for (ULONG expected = 4;; --expected) {
        ASSERT_EQ(skf().SKF_UnblockPIN(app, kWrongPin, newPin, &retry), SAR_PIN_INCORRECT);
        EXPECT_EQ(retry, expected);
        if (expected == 0) break;
    }
    EXPECT_EQ(skf().SKF_UnblockPIN(app, kAdminPin, newPin, &retry), SAR_PIN_LOCKED);
    EXPECT_EQ(skf().SKF_VerifyPIN(app, ADMIN_TYPE, kAdminPin, &retry), SAR_PIN_LOCKED);
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_OK) << "the user PIN is unaffected";
}

// ---- online unlock (vendor extension) -------------------------------------------------------

class SoftSkfOnlineUnlock : public SoftSkf {
protected:
    void SetUp() override
    {
        SoftSkf::SetUp();
        const Json secrets = Json::parse(readText(state_ / "unlock-secrets.json"));
        secret_ = hexBytes(secrets.at(deviceState(1).at("serial").get<std::string>()).get<std::string>());
        ASSERT_EQ(secret_.size(), 32U);
        app_ = openApp(kDev2);  // response counter: 3
    }
    static Bytes hexBytes(const std::string& hex)
    {
        Bytes out;
        for (size_t i = 0; i + 1 < hex.size(); i += 2)
            out.push_back(static_cast<unsigned char>(std::stoul(hex.substr(i, 2), nullptr, 16)));
        return out;
    }
    Bytes challenge()
    {
        ULONG len = 0;
        EXPECT_EQ(skfx().GetUnblockChallenge(app_, nullptr, &len), SAR_OK);
        Bytes out(len);
        EXPECT_EQ(skfx().GetUnblockChallenge(app_, out.data(), &len), SAR_OK);
        out.resize(len);
        return out;
    }
    // What the CA's server computes: HMAC-SM3(secret, challenge), here through EVP_MAC.
    Bytes respond(const Bytes& challenge) const
    {
        Bytes mac(32);
        size_t len = 0;
        EXPECT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SM3", nullptr, secret_.data(), secret_.size(), challenge.data(),
                            challenge.size(), mac.data(), mac.size(), &len),
                  nullptr);
        EXPECT_EQ(len, 32U);
        return mac;
    }
    ULONG answer(Bytes response, char* newPin, ULONG* retry)
    {
        return skfx().UnblockPINByResponse(app_, response.data(), static_cast<ULONG>(response.size()), newPin, retry);
    }
    Json unlockState() { return deviceState(1).at("unlock"); }

    Bytes secret_;
    HAPPLICATION app_ = nullptr;
};

TEST_F(SoftSkfOnlineUnlock, EachChallengeIsFreshAndReplacesTheLast)
{
    ULONG len = 0;
    ASSERT_EQ(skfx().GetUnblockChallenge(app_, nullptr, &len), SAR_OK);
    EXPECT_EQ(len, 16U);
    ULONG small = 8;
    Bytes buf(8);
    EXPECT_EQ(skfx().GetUnblockChallenge(app_, buf.data(), &small), SAR_BUFFER_TOO_SMALL);
    EXPECT_EQ(small, 16U);
    EXPECT_FALSE(deviceState(1)["applications"][0].contains("unlockChallenge")) << "a size query makes none";
    const Bytes first = challenge();
    const Bytes second = challenge();
    EXPECT_EQ(first.size(), 16U);
    EXPECT_NE(first, second);
    // The earlier challenge's response no longer unlocks: it was replaced.
    char newPin[] = "24680135";
    ULONG retry = 99;
    EXPECT_EQ(answer(respond(first), newPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(retry, 2U);
}

TEST_F(SoftSkfOnlineUnlock, RightResponseSetsTheNewPinOfALockedKey)
{
    ULONG retry = 0;
    for (int i = 0; i < 3; ++i) ASSERT_EQ(skf().SKF_VerifyPIN(app_, USER_TYPE, kWrongPin, &retry), SAR_PIN_INCORRECT);
    ASSERT_EQ(skf().SKF_VerifyPIN(app_, USER_TYPE, kUserPin, &retry), SAR_PIN_LOCKED);
    char newPin[] = "24680135";
    char shortPin[] = "123";
    const Bytes c = challenge();
    EXPECT_EQ(answer(respond(c), shortPin, &retry), SAR_PIN_LEN_RANGE);
    EXPECT_EQ(unlockState()["remaining"], 3) << "refused before the response was tried";
    ASSERT_EQ(answer(respond(c), newPin, &retry), SAR_OK) << "the challenge survives a refused new PIN";
    EXPECT_EQ(retry, 3U);
    EXPECT_EQ(remaining(app_, USER_TYPE), 3U);
    ULONG max = 0, left = 0;
    BOOL def = TRUE;
    ASSERT_EQ(skf().SKF_GetPINInfo(app_, USER_TYPE, &max, &left, &def), SAR_OK);
    EXPECT_EQ(def, FALSE);
    EXPECT_EQ(skf().SKF_VerifyPIN(app_, USER_TYPE, kUserPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(skf().SKF_VerifyPIN(app_, USER_TYPE, newPin, &retry), SAR_OK);
    EXPECT_EQ(remaining(app_, ADMIN_TYPE), 5U) << "the administrator PIN is not involved";
}

TEST_F(SoftSkfOnlineUnlock, AChallengeIsGoodForOneAnswer)
{
    char newPin[] = "24680135";
    char otherPin[] = "13572468";
    ULONG retry = 0;
    const Bytes response = respond(challenge());
    ASSERT_EQ(answer(response, newPin, &retry), SAR_OK);
    EXPECT_FALSE(deviceState(1)["applications"][0].contains("unlockChallenge"));
    EXPECT_EQ(answer(response, otherPin, &retry), SAR_PIN_INCORRECT) << "a replayed response";
    EXPECT_EQ(retry, 2U);
    EXPECT_EQ(deviceState(1)["applications"][0]["user"]["pin"], newPin);
    // A wrong answer spends the challenge too: the right one afterwards needs a new challenge.
    const Bytes c = challenge();
    Bytes wrong = respond(c);
    wrong[0] ^= 0x01;
    EXPECT_EQ(answer(wrong, otherPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(retry, 1U);
    EXPECT_EQ(answer(respond(c), otherPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(retry, 0U);
    EXPECT_EQ(deviceState(1)["applications"][0]["user"]["pin"], newPin);
}

TEST_F(SoftSkfOnlineUnlock, WrongResponsesCountDownToALock)
{
    char newPin[] = "24680135";
    ULONG retry = 99;
    for (ULONG expected : {2U, 1U, 0U}) {
        const Bytes c = challenge();
        Bytes wrong = respond(c);
        wrong.pop_back();  // a response of the wrong length is a wrong response
        ASSERT_EQ(answer(wrong, newPin, &retry), SAR_PIN_INCORRECT);
        EXPECT_EQ(retry, expected);
        EXPECT_EQ(unlockState()["remaining"], expected) << "persisted in the state file";
    }
    ULONG len = 16;
    Bytes buf(16);
    EXPECT_EQ(skfx().GetUnblockChallenge(app_, buf.data(), &len), SAR_PIN_LOCKED) << "no challenge once locked";
    // Even a right answer to a challenge made before the lock is refused now, nothing counted.
    Json dev = deviceState(1);
    dev["applications"][0]["unlockChallenge"] = "00112233445566778899aabbccddeeff";
    writeText(state_ / "dev1" / "device.json", dev.dump());
    EXPECT_EQ(answer(respond(hexBytes("00112233445566778899aabbccddeeff")), newPin, &retry), SAR_PIN_LOCKED);
    EXPECT_EQ(retry, 0U);
    EXPECT_EQ(deviceState(1)["applications"][0]["user"]["pin"], kUserPin);
    EXPECT_EQ(remaining(app_, USER_TYPE), 3U) << "the user PIN's counter is its own";
}

TEST_F(SoftSkfOnlineUnlock, RightResponseRefillsTheResponseCounter)
{
    char newPin[] = "24680135";
    ULONG retry = 0;
    ASSERT_EQ(answer(Bytes(32, 0), newPin, &retry), SAR_PIN_INCORRECT);  // no challenge outstanding
    ASSERT_EQ(unlockState()["remaining"], 2);
    ASSERT_EQ(answer(respond(challenge()), newPin, &retry), SAR_OK);
    EXPECT_EQ(unlockState()["remaining"], 3);
}

TEST_F(SoftSkfOnlineUnlock, ADeviceWithoutASecretDoesNotSupportIt)
{
    Json dev = deviceState(1);
    dev.erase("unlock");
    writeText(state_ / "dev1" / "device.json", dev.dump());
    ULONG len = 0, retry = 0;
    EXPECT_EQ(skfx().GetUnblockChallenge(app_, nullptr, &len), SAR_NOTSUPPORTYETERR);
    char newPin[] = "24680135";
    EXPECT_EQ(answer(Bytes(32, 1), newPin, &retry), SAR_NOTSUPPORTYETERR);
}

TEST_F(SoftSkfOnlineUnlock, BadArgumentsAndHandlesAreRefusedWithoutCounting)
{
    char newPin[] = "24680135";
    ULONG retry = 0, len = 0;
    Bytes response(32, 1);
    EXPECT_EQ(skfx().GetUnblockChallenge(app_, nullptr, nullptr), SAR_INVALIDPARAMERR);
    EXPECT_EQ(skfx().UnblockPINByResponse(app_, nullptr, 32, newPin, &retry), SAR_INVALIDPARAMERR);
    EXPECT_EQ(skfx().UnblockPINByResponse(app_, response.data(), 0, newPin, &retry), SAR_INVALIDPARAMERR);
    EXPECT_EQ(skfx().UnblockPINByResponse(app_, response.data(), 32, nullptr, &retry), SAR_INVALIDPARAMERR);
    int bogus = 0;
    EXPECT_EQ(skfx().GetUnblockChallenge(&bogus, nullptr, &len), SAR_INVALIDHANDLEERR);
    EXPECT_EQ(skfx().UnblockPINByResponse(&bogus, response.data(), 32, newPin, &retry), SAR_INVALIDHANDLEERR);
    EXPECT_EQ(unlockState()["remaining"], 3);
    setFaults({{"removeAt", "SKFX_GetUnblockChallenge"}});
    EXPECT_EQ(skfx().GetUnblockChallenge(app_, nullptr, &len), SAR_DEVICE_REMOVED);
}

TEST_F(SoftSkf, ChangePinNeedsTheOldPinAndClearsTheDefaultFlag)
{
    HAPPLICATION app = openApp(kDev2);
    char newPin[] = "11223344";
    ULONG retry = 0;
    EXPECT_EQ(skf().SKF_ChangePIN(app, USER_TYPE, kWrongPin, newPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(retry, 2U);
    char tooLong[] = "12345678901234567";
    EXPECT_EQ(skf().SKF_ChangePIN(app, USER_TYPE, kUserPin, tooLong, &retry), SAR_PIN_LEN_RANGE);
    EXPECT_EQ(remaining(app, USER_TYPE), 2U) << "a refused new PIN spends no try";
    ASSERT_EQ(skf().SKF_ChangePIN(app, USER_TYPE, kUserPin, newPin, &retry), SAR_OK);
    EXPECT_EQ(remaining(app, USER_TYPE), 3U);
    ULONG max = 0, left = 0;
    BOOL def = TRUE;
    ASSERT_EQ(skf().SKF_GetPINInfo(app, USER_TYPE, &max, &left, &def), SAR_OK);
    EXPECT_EQ(def, FALSE);
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, newPin, &retry), SAR_OK);

    char newAdmin[] = "87654321";
    ASSERT_EQ(skf().SKF_ChangePIN(app, ADMIN_TYPE, kAdminPin, newAdmin, &retry), SAR_OK);
    EXPECT_EQ(skf().SKF_VerifyPIN(app, ADMIN_TYPE, newAdmin, &retry), SAR_OK);
}

// ---- signatures ------------------------------------------------------------------------------

TEST_F(SoftSkf, EccSignDataSignsTheGivenDigestAndOpenSslVerifiesIt)
{
    HAPPLICATION app = openApp(kDev1);
    HCONTAINER con = openContainer(app, kSm2Container);
    const ECCPUBLICKEYBLOB pub = exportEcc(con, TRUE);
    EXPECT_EQ(pub.BitLen, 256U);
    Bytes e = sm2Digest(pub, {'x'});
    ECCSIGNATUREBLOB sig {};
    EXPECT_EQ(skf().SKF_ECCSignData(con, e.data(), 32, &sig), SAR_USER_NOT_LOGGED_IN);
    login(app);
    EXPECT_EQ(skf().SKF_ECCSignData(con, e.data(), 31, &sig), SAR_INDATALENERR);
    EXPECT_EQ(skf().SKF_ECCSignData(con, e.data(), 33, &sig), SAR_INDATALENERR);

    const std::string text = "cabridge-auth:2 softskf test message";
    const Bytes message(text.begin(), text.end());
    const Bytes der = signSm2(con, pub, message);

    // The certificate's key (not the exported blob) verifies: high-level SM2 verification with
    // SM3 and the signer ID over the message itself.
    X509Ptr cert = parseDer(exportCert(con, TRUE));
    ASSERT_TRUE(cert);
    EVP_PKEY* certKey = X509_get0_pubkey(cert.get());
    ASSERT_TRUE(EVP_PKEY_is_a(certKey, "SM2"));
    EXPECT_TRUE(sm2Verify(certKey, message, der));
    Bytes other = message;
    other.back() ^= 1;
    EXPECT_FALSE(sm2Verify(certKey, other, der));

    // And the openssl CLI agrees.
    writePublicKeyPem(work_ / "pub.pem", certKey);
    writeBytes(work_ / "msg", message);
    writeBytes(work_ / "sig.der", der);
    const std::string verify = "openssl dgst -sm3 -verify '" + (work_ / "pub.pem").string() +
                               "' -sigopt distid:1234567812345678 -signature '" + (work_ / "sig.der").string() + "' '" +
                               (work_ / "msg").string() + "' >/dev/null 2>&1";
    EXPECT_EQ(runShell(verify), 0);
    writeBytes(work_ / "msg", other);
    EXPECT_NE(runShell(verify), 0);

    // Logging out ends signing.
    ASSERT_EQ(skf().SKF_ClearSecureState(app), SAR_OK);
    EXPECT_EQ(skf().SKF_ECCSignData(con, e.data(), 32, &sig), SAR_USER_NOT_LOGGED_IN);
}

TEST_F(SoftSkf, EccSignDataDoesNotHashAgain)
{
    HAPPLICATION app = openApp(kDev1);
    HCONTAINER con = openContainer(app, kSm2Container);
    login(app);
    const ECCPUBLICKEYBLOB pub = exportEcc(con, TRUE);
    Bytes e(32);
    for (size_t i = 0; i < e.size(); ++i) e[i] = static_cast<unsigned char>(i * 7 + 1);
    ECCSIGNATUREBLOB sig {};
    ASSERT_EQ(skf().SKF_ECCSignData(con, e.data(), 32, &sig), SAR_OK);
    const Bytes der = blobToDer(sig);
    // Raw SM2 verification of e itself succeeds; of SM3(e) (what a re-hashing module signs) fails.
    X509Ptr cert = parseDer(exportCert(con, TRUE));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(cert.get()), nullptr));
    ASSERT_EQ(EVP_PKEY_verify_init(ctx.get()), 1);
    EXPECT_EQ(EVP_PKEY_verify(ctx.get(), der.data(), der.size(), e.data(), e.size()), 1);
    const Bytes hashed = sm3(e);
    EXPECT_NE(EVP_PKEY_verify(ctx.get(), der.data(), der.size(), hashed.data(), hashed.size()), 1);
    (void)pub;
}

TEST_F(SoftSkf, ExportedPublicKeysAndCertificatesAreTheDualPair)
{
    HAPPLICATION app = openApp(kDev1);
    HCONTAINER con = openContainer(app, kSm2Container);
    const Bytes signDer = exportCert(con, TRUE);
    const Bytes encDer = exportCert(con, FALSE);
    EXPECT_EQ(std::string(signDer.begin(), signDer.end()), readText(fixture_ / "pki" / "sm2-sign.der"));
    EXPECT_EQ(std::string(encDer.begin(), encDer.end()), readText(fixture_ / "pki" / "sm2-enc.der"));
    X509Ptr signCert = parseDer(signDer), encCert = parseDer(encDer);
    ASSERT_TRUE(signCert && encCert);
    EXPECT_EQ(X509_get_key_usage(signCert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
    EXPECT_NE(X509_get_key_usage(encCert.get()) & KU_KEY_ENCIPHERMENT, 0U);
    EXPECT_NE(X509_get_key_usage(encCert.get()) & KU_DATA_ENCIPHERMENT, 0U);
    EXPECT_EQ(X509_get_key_usage(encCert.get()) & KU_DIGITAL_SIGNATURE, 0U);

    for (BOOL sign : {TRUE, FALSE}) {
        const ECCPUBLICKEYBLOB blob = exportEcc(con, sign);
        BIGNUM* x = nullptr;
        BIGNUM* y = nullptr;
        EVP_PKEY* key = X509_get0_pubkey(sign != FALSE ? signCert.get() : encCert.get());
        ASSERT_EQ(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x), 1);
        ASSERT_EQ(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y), 1);
        BnPtr xp(x), yp(y);
        EXPECT_EQ(Bytes(blob.XCoordinate + 32, blob.XCoordinate + 64), bn32(x));
        EXPECT_EQ(Bytes(blob.YCoordinate + 32, blob.YCoordinate + 64), bn32(y));
        EXPECT_EQ(Bytes(blob.XCoordinate, blob.XCoordinate + 32), Bytes(32, 0));
    }
    ULONG len = 0;
    ASSERT_EQ(skf().SKF_ExportPublicKey(con, TRUE, nullptr, &len), SAR_OK);
    EXPECT_EQ(len, sizeof(ECCPUBLICKEYBLOB));
    len = 10;
    Bytes small(10);
    EXPECT_EQ(skf().SKF_ExportPublicKey(con, TRUE, small.data(), &len), SAR_BUFFER_TOO_SMALL);
    EXPECT_EQ(len, sizeof(ECCPUBLICKEYBLOB));
    len = 10;
    EXPECT_EQ(skf().SKF_ExportCertificate(con, TRUE, small.data(), &len), SAR_BUFFER_TOO_SMALL);
    EXPECT_EQ(len, signDer.size());

    HCONTAINER rsa = openContainer(app, kRsaContainer);
    EXPECT_EQ(skf().SKF_ExportCertificate(rsa, FALSE, nullptr, &len), SAR_CERTNOTFOUNTERR);
    HCONTAINER empty = openContainer(app, kEmptyContainer);
    EXPECT_EQ(skf().SKF_ExportPublicKey(empty, TRUE, nullptr, &len), SAR_KEYNOTFOUNTERR);
}

TEST_F(SoftSkf, RsaSignDataSignsTheGivenDigestInfoWithPkcs1)
{
    HAPPLICATION app = openApp(kDev1);
    HCONTAINER con = openContainer(app, kRsaContainer);
    RSAPUBLICKEYBLOB blob {};
    ULONG len = sizeof(blob);
    ASSERT_EQ(skf().SKF_ExportPublicKey(con, TRUE, reinterpret_cast<BYTE*>(&blob), &len), SAR_OK);
    EXPECT_EQ(len, 268U);
    EXPECT_EQ(blob.AlgID, SGD_RSA);
    EXPECT_EQ(blob.BitLen, 2048U);
    EXPECT_EQ(Bytes(blob.PublicExponent, blob.PublicExponent + 4), (Bytes {0, 1, 0, 1}));

    const std::string text = "rsa container message";
    const Bytes message(text.begin(), text.end());
    Bytes digest(32);
    unsigned int dlen = 0;
    ASSERT_EQ(EVP_Digest(message.data(), message.size(), digest.data(), &dlen, EVP_sha256(), nullptr), 1);
    // DER DigestInfo prefix for SHA-256 (RFC 8017 section 9.2 note 1).
    Bytes digestInfo = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    digestInfo.insert(digestInfo.end(), digest.begin(), digest.end());

    ULONG sigLen = 0;
    EXPECT_EQ(skf().SKF_RSASignData(con, digestInfo.data(), static_cast<ULONG>(digestInfo.size()), nullptr, &sigLen),
              SAR_USER_NOT_LOGGED_IN);
    login(app);
    ASSERT_EQ(skf().SKF_RSASignData(con, digestInfo.data(), static_cast<ULONG>(digestInfo.size()), nullptr, &sigLen),
              SAR_OK);
    EXPECT_EQ(sigLen, 256U);
    Bytes sig(sigLen);
    ASSERT_EQ(skf().SKF_RSASignData(con, digestInfo.data(), static_cast<ULONG>(digestInfo.size()), sig.data(), &sigLen),
              SAR_OK);
    Bytes tooLong(246, 1);
    EXPECT_EQ(skf().SKF_RSASignData(con, tooLong.data(), static_cast<ULONG>(tooLong.size()), sig.data(), &sigLen),
              SAR_INDATALENERR);

    X509Ptr cert = parseDer(exportCert(con, TRUE));
    ASSERT_TRUE(cert);
    EVP_PKEY* key = X509_get0_pubkey(cert.get());
    MdCtxPtr md(EVP_MD_CTX_new());
    ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key), 1);
    EXPECT_EQ(EVP_DigestVerify(md.get(), sig.data(), sig.size(), message.data(), message.size()), 1);

    writePublicKeyPem(work_ / "rsa.pem", key);
    writeBytes(work_ / "msg", message);
    writeBytes(work_ / "sig", sig);
    EXPECT_EQ(runShell("openssl dgst -sha256 -verify '" + (work_ / "rsa.pem").string() + "' -signature '" +
                       (work_ / "sig").string() + "' '" + (work_ / "msg").string() + "' >/dev/null 2>&1"),
              0);

    ECCSIGNATUREBLOB eccSig {};
    EXPECT_EQ(skf().SKF_ECCSignData(con, digest.data(), 32, &eccSig), SAR_KEYNOTFOUNTERR) << "an RSA container";
}

// ---- key lifecycle ---------------------------------------------------------------------------

// A certificate for KEY (a public key only) issued by a throwaway CA (the test needs any valid
// certificate).
Bytes certificateFor(EVP_PKEY* key)
{
    namespace support = cabridge::test_support;
    const auto caKey = support::generateKey(support::KeyType::P256);
    const auto ca = support::makeCertificate({}, caKey.get());
    support::CertificateSpec spec;
    spec.subject = {{"CN", "generated"}};
    return support::derOf(support::makeCertificate(spec, key, ca.get(), caKey.get()).get());
}

PkeyPtr sm2KeyFromBlob(const ECCPUBLICKEYBLOB& blob)
{
    Bytes point = {0x04};
    point.insert(point.end(), blob.XCoordinate + 32, blob.XCoordinate + 64);
    point.insert(point.end(), blob.YCoordinate + 32, blob.YCoordinate + 64);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
    char group[] = "SM2";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                           OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
                           OSSL_PARAM_construct_end()};
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        return nullptr;
    }
    return PkeyPtr(key);
}

TEST_F(SoftSkf, GenEccKeyPairThenImportCertificate)
{
    HAPPLICATION app = openApp(kDev1);
    HCONTAINER con = openContainer(app, kEmptyContainer);
    ECCPUBLICKEYBLOB blob {};
    EXPECT_EQ(skf().SKF_GenECCKeyPair(con, SKF_SGD_FAMILY_A_SM2_1, &blob), SAR_USER_NOT_LOGGED_IN);
    login(app);
    EXPECT_EQ(skf().SKF_GenECCKeyPair(con, SGD_RSA, &blob), SAR_NOTSUPPORTYETERR);
    ASSERT_EQ(skf().SKF_GenECCKeyPair(con, SKF_SGD_FAMILY_A_SM2_1, &blob), SAR_OK);
    ULONG type = 0;
    ASSERT_EQ(skf().SKF_GetContainerType(con, &type), SAR_OK);
    EXPECT_EQ(type, SKF_CONTAINER_ECC);
    const ECCPUBLICKEYBLOB exported = exportEcc(con, TRUE);
    EXPECT_EQ(std::memcmp(&exported, &blob, sizeof(blob)), 0);

    PkeyPtr pub = sm2KeyFromBlob(blob);
    ASSERT_TRUE(pub);
    const Bytes message = {'g', 'e', 'n'};
    EXPECT_TRUE(sm2Verify(pub.get(), message, signSm2(con, blob, message)));

    // A certificate for another key is refused; one for the generated key is stored.
    PkeyPtr other(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
    Bytes wrong = certificateFor(other.get());
    EXPECT_EQ(skf().SKF_ImportCertificate(con, TRUE, wrong.data(), static_cast<ULONG>(wrong.size())),
              SAR_INVALIDPARAMERR);
    Bytes garbage(40, 0x30);
    EXPECT_EQ(skf().SKF_ImportCertificate(con, TRUE, garbage.data(), static_cast<ULONG>(garbage.size())),
              SAR_INVALIDPARAMERR);
    Bytes right = certificateFor(pub.get());
    ASSERT_EQ(skf().SKF_ImportCertificate(con, TRUE, right.data(), static_cast<ULONG>(right.size())), SAR_OK);
    EXPECT_EQ(exportCert(con, TRUE), right);

    // Another process (here: a fresh handle) sees the new key and certificate.
    HAPPLICATION app2 = openApp(kDev1);
    HCONTAINER con2 = openContainer(app2, kEmptyContainer);
    EXPECT_EQ(exportCert(con2, TRUE), right);
}

TEST_F(SoftSkf, GenRsaKeyPairSignsWithTheNewKey)
{
    HAPPLICATION app = openApp(kDev1);
    HCONTAINER con = openContainer(app, kEmptyContainer);
    login(app);
    RSAPUBLICKEYBLOB blob {};
    EXPECT_EQ(skf().SKF_GenRSAKeyPair(con, 1000, &blob), SAR_MODULUSLENERR);
    ASSERT_EQ(skf().SKF_GenRSAKeyPair(con, 2048, &blob), SAR_OK);
    EXPECT_EQ(blob.BitLen, 2048U);
    ULONG type = 0;
    ASSERT_EQ(skf().SKF_GetContainerType(con, &type), SAR_OK);
    EXPECT_EQ(type, SKF_CONTAINER_RSA);

    // The blob is big-endian; OSSL_PARAM integers are native-endian: convert through BIGNUM.
    BnPtr n(BN_bin2bn(blob.Modulus, 256, nullptr)), e(BN_bin2bn(blob.PublicExponent, 4, nullptr));
    Bytes nNative(256), eNative(4);
    ASSERT_EQ(BN_bn2nativepad(n.get(), nNative.data(), 256), 256);
    ASSERT_EQ(BN_bn2nativepad(e.get(), eNative.data(), 4), 4);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, nNative.data(), nNative.size()),
                           OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, eNative.data(), eNative.size()),
                           OSSL_PARAM_construct_end()};
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY* raw = nullptr;
    ASSERT_EQ(EVP_PKEY_fromdata_init(ctx.get()), 1);
    ASSERT_EQ(EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params), 1);
    PkeyPtr pub(raw);

    Bytes data = {1, 2, 3, 4, 5};
    Bytes sig(256);
    ULONG sigLen = 256;
    ASSERT_EQ(skf().SKF_RSASignData(con, data.data(), static_cast<ULONG>(data.size()), sig.data(), &sigLen), SAR_OK);
    PkeyCtxPtr vctx(EVP_PKEY_CTX_new(pub.get(), nullptr));
    ASSERT_EQ(EVP_PKEY_verify_recover_init(vctx.get()), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(vctx.get(), RSA_PKCS1_PADDING), 1);
    Bytes recovered(256);
    size_t recLen = recovered.size();
    ASSERT_EQ(EVP_PKEY_verify_recover(vctx.get(), recovered.data(), &recLen, sig.data(), sigLen), 1);
    recovered.resize(recLen);
    EXPECT_EQ(recovered, data) << "PKCS#1 v1.5 over exactly the bytes given";
}

// ---- two processes ---------------------------------------------------------------------------

TEST_F(SoftSkf, TwoProcessesShareOneCounter)
{
    HAPPLICATION app = openApp(kDev1);
    constexpr int kChildren = 4;
    std::vector<pid_t> children;
    for (int i = 0; i < kChildren; ++i) {
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            // Each child: its own connection, one wrong PIN. Only async-safe-enough calls, then _exit.
            DEVHANDLE dev = nullptr;
            HAPPLICATION childApp = nullptr;
            ULONG retry = 0;
            const bool ok = skf().SKF_ConnectDev(kDev1, &dev) == SAR_OK &&
                            skf().SKF_OpenApplication(dev, kApp, &childApp) == SAR_OK &&
                            skf().SKF_VerifyPIN(childApp, USER_TYPE, kWrongPin, &retry) == SAR_PIN_INCORRECT;
            _exit(ok ? 0 : 1);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    EXPECT_EQ(remaining(app, USER_TYPE), 6U - kChildren) << "every try counted once (the counter is locked)";
    ULONG retry = 0;
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kWrongPin, &retry), SAR_PIN_INCORRECT);
    EXPECT_EQ(retry, 6U - kChildren - 1);
}

// ---- faults ----------------------------------------------------------------------------------

TEST_F(SoftSkf, FailAtReturnsTheConfiguredError)
{
    HAPPLICATION app = openApp(kDev1);
    HCONTAINER con = openContainer(app, kSm2Container);
    login(app);
    Bytes e(32, 1);
    ECCSIGNATUREBLOB sig {};
    setFaults({{"failAt", "SKF_ECCSignData"}});
    EXPECT_EQ(skf().SKF_ECCSignData(con, e.data(), 32, &sig), SAR_FAIL);
    ULONG type = 0;
    EXPECT_EQ(skf().SKF_GetContainerType(con, &type), SAR_OK) << "other calls unaffected";
    setFaults({{"failAt", Json::array({"SKF_VerifyPIN", "SKF_GetPINInfo"})}, {"failCode", SAR_NOTSUPPORTYETERR}});
    ULONG retry = 0;
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_NOTSUPPORTYETERR);
    ULONG max = 0, left = 0;
    BOOL def = 0;
    EXPECT_EQ(skf().SKF_GetPINInfo(app, USER_TYPE, &max, &left, &def), SAR_NOTSUPPORTYETERR);
    EXPECT_EQ(skf().SKF_ECCSignData(con, e.data(), 32, &sig), SAR_OK) << "faults are re-read on every call";
    setFaults({{"failAt", "SKF_ECCSignData"}, {"device", kDev2}});
    EXPECT_EQ(skf().SKF_ECCSignData(con, e.data(), 32, &sig), SAR_OK) << "limited to the other device";
    clearFaults();
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_OK);
}

TEST_F(SoftSkf, BadFaultFileFailsEveryCall)
{
    writeText(state_ / "faults.json", "{not json");
    ULONG size = 0;
    EXPECT_EQ(skf().SKF_EnumDev(TRUE, nullptr, &size), SAR_FAIL);
    clearFaults();
    EXPECT_EQ(skf().SKF_EnumDev(TRUE, nullptr, &size), SAR_OK);
}

TEST_F(SoftSkf, RemoveAtPullsTheDeviceOutUntilTheFaultIsCleared)
{
    HAPPLICATION app = openApp(kDev1);
    HCONTAINER con = openContainer(app, kSm2Container);
    HAPPLICATION app2 = openApp(kDev2);
    login(app);
    Bytes e(32, 1);
    ECCSIGNATUREBLOB sig {};
    setFaults({{"removeAt", "SKF_ECCSignData"}, {"device", kDev1}});
    ULONG type = 0;
    EXPECT_EQ(skf().SKF_GetContainerType(con, &type), SAR_OK) << "still in until the named call";
    EXPECT_EQ(skf().SKF_ECCSignData(con, e.data(), 32, &sig), SAR_DEVICE_REMOVED);
    EXPECT_EQ(skf().SKF_GetContainerType(con, &type), SAR_DEVICE_REMOVED) << "gone for every later call";
    ULONG retry = 0;
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_DEVICE_REMOVED);
    EXPECT_EQ(remaining(app2, USER_TYPE), 3U) << "the other device is still there";

    ULONG size = 64;
    std::vector<char> names(64);
    ASSERT_EQ(skf().SKF_EnumDev(TRUE, names.data(), &size), SAR_OK);
    EXPECT_EQ(splitMultiString(names), (std::vector<std::string> {kDev2}));
    size = 64;
    ASSERT_EQ(skf().SKF_EnumDev(FALSE, names.data(), &size), SAR_OK);
    EXPECT_EQ(splitMultiString(names), (std::vector<std::string> {kDev1, kDev2})) << "bPresent FALSE: all supported";
    ULONG state = 99;
    ASSERT_EQ(skf().SKF_GetDevState(kDev1, &state), SAR_OK);
    EXPECT_EQ(state, DEV_ABSENT_STATE);
    DEVHANDLE dev = nullptr;
    EXPECT_EQ(skf().SKF_ConnectDev(kDev1, &dev), SAR_DEVICE_REMOVED);
    EXPECT_EQ(skf().SKF_CloseContainer(con), SAR_OK) << "handles can still be released";

    // The removal is in the state directory: another process sees it.
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ULONG childState = 99;
        _exit(skf().SKF_GetDevState(kDev1, &childState) == SAR_OK && childState == DEV_ABSENT_STATE ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    clearFaults();  // re-insert
    ASSERT_EQ(skf().SKF_GetDevState(kDev1, &state), SAR_OK);
    EXPECT_EQ(state, DEV_PRESENT_STATE);
    HAPPLICATION again = openApp(kDev1);
    EXPECT_EQ(skf().SKF_VerifyPIN(again, USER_TYPE, kUserPin, &retry), SAR_OK);
}

TEST_F(SoftSkf, RemoveAtEnumDevRemovesEveryDevice)
{
    setFaults({{"removeAt", "SKF_EnumDev"}});
    ULONG size = 0;
    EXPECT_EQ(skf().SKF_EnumDev(TRUE, nullptr, &size), SAR_DEVICE_REMOVED);
    setFaults({{"removed", Json::array({kDev1, kDev2})}});
    ASSERT_EQ(skf().SKF_EnumDev(TRUE, nullptr, &size), SAR_OK);
    EXPECT_EQ(size, 2U) << "an empty list is two NULs";
    std::vector<char> buf(2, 'x');
    ASSERT_EQ(skf().SKF_EnumDev(TRUE, buf.data(), &size), SAR_OK);
    EXPECT_EQ(buf, (std::vector<char> {'\0', '\0'}));
}

TEST_F(SoftSkf, HangAtBlocksUntilTheFaultIsCleared)
{
    HAPPLICATION app = openApp(kDev1);
    setFaults({{"hangAt", "SKF_VerifyPIN"}});
    std::atomic<bool> done {false};
    std::atomic<ULONG> rv {0xFFFFFFFF};
    std::thread caller([&] {
        ULONG retry = 0;
        rv = skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry);
        done = true;
    });
    // Other calls go on while one hangs (the host abandons a hung call and carries on).
    EXPECT_EQ(remaining(app, USER_TYPE), 6U);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(done.load()) << "the call is still hanging";
    clearFaults();
    caller.join();
    EXPECT_EQ(rv.load(), SAR_OK) << "once released the call completes";
}

TEST_F(SoftSkf, HangMaxMsBoundsAHang)
{
    HAPPLICATION app = openApp(kDev1);
    setFaults({{"hangAt", "SKF_VerifyPIN"}, {"hangMaxMs", 100}});
    ULONG retry = 0;
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kUserPin, &retry), SAR_FAIL);
    EXPECT_EQ(remaining(app, USER_TYPE), 6U) << "the hung call never reached the PIN";
}

TEST_F(SoftSkf, MalformedStateIsAFileErrorNotACrash)
{
    HAPPLICATION app = openApp(kDev1);
    Json dev = deviceState(0);
    dev["applications"][0]["user"]["remaining"] = "six";
    writeText(state_ / "dev0" / "device.json", dev.dump());
    ULONG max = 0, left = 0, retry = 0;
    BOOL def = 0;
    EXPECT_EQ(skf().SKF_GetPINInfo(app, USER_TYPE, &max, &left, &def), SAR_FILEERR);
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, kWrongPin, &retry), SAR_FILEERR);
    writeText(state_ / "dev0" / "device.json", "[]");
    EXPECT_EQ(skf().SKF_GetPINInfo(app, USER_TYPE, &max, &left, &def), SAR_APPLICATION_NOT_EXISTS);
}

TEST_F(SoftSkf, BadHandlesAndArgumentsGetSpecificErrors)
{
    int bogus = 0;
    ULONG n = 0;
    BOOL b = 0;
    Bytes buf(32);
    ECCSIGNATUREBLOB sig {};
    EXPECT_EQ(skf().SKF_DisConnectDev(&bogus), SAR_INVALIDHANDLEERR);
    EXPECT_EQ(skf().SKF_GetPINInfo(&bogus, USER_TYPE, &n, &n, &b), SAR_INVALIDHANDLEERR);
    EXPECT_EQ(skf().SKF_VerifyPIN(nullptr, USER_TYPE, kUserPin, &n), SAR_INVALIDHANDLEERR);
    EXPECT_EQ(skf().SKF_ECCSignData(&bogus, buf.data(), 32, &sig), SAR_INVALIDHANDLEERR);
    EXPECT_EQ(skf().SKF_CloseContainer(&bogus), SAR_INVALIDHANDLEERR);
    EXPECT_EQ(skf().SKF_ConnectDev(nullptr, nullptr), SAR_INVALIDPARAMERR);
    HAPPLICATION app = openApp(kDev1);
    HCONTAINER con = openContainer(app, kSm2Container);
    EXPECT_EQ(skf().SKF_ECCSignData(con, nullptr, 32, &sig), SAR_INVALIDPARAMERR);
    EXPECT_EQ(skf().SKF_ECCSignData(con, buf.data(), 32, nullptr), SAR_INVALIDPARAMERR);
    char empty[] = "";
    EXPECT_EQ(skf().SKF_VerifyPIN(app, USER_TYPE, empty, &n), SAR_INVALIDPARAMERR);
    EXPECT_EQ(remaining(app, USER_TYPE), 6U);
    EXPECT_EQ(skf().SKF_VerifyPIN(app, 5, kUserPin, &n), SAR_USER_TYPE_INVALID);

    unsetenv("CABRIDGE_SOFTSKF_DIR");
    EXPECT_EQ(skf().SKF_EnumDev(TRUE, nullptr, &n), SAR_FAIL) << "no state directory";
}

}  // namespace
