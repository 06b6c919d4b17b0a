#include "verify_fixture.h"

#include <cabridge/common/identity.h>

namespace cabridge::verify::test {
namespace {

constexpr const char* kValidUscc = "91110000600037341L";

EndEntity issue(const TestPki& pki, EvpPkeyPtr key, CertificateSpec spec, long serial) {
  spec.serial = serial;
  auto cert = makeCertificate(spec, key.get(), pki.intermediate.get(), pki.intermediate_key.get());
  return {std::move(key), std::move(cert)};
}

CertificateSpec org_spec(const std::string& name) {
  CertificateSpec spec;
  spec.subject = {{"C", "CN"}, {"ST", "河北省"}, {"L", "石家庄市"}, {"O", name}, {"CN", name}};
  spec.keyUsage = "critical,digitalSignature,nonRepudiation";
  return spec;
}

TestPki build() {
  TestPki pki;
  const std::time_t now = std::time(nullptr);
  pki.root_key = generateKey(KeyType::P384);
  pki.intermediate_key = generateKey(KeyType::Rsa2048);
  pki.other_root_key = generateKey(KeyType::P256);

  CertificateSpec root_spec;
  root_spec.subject = {{"CN", "cabridge Test Root CA"}};
  root_spec.isCa = true;
  root_spec.keyUsage = "critical,keyCertSign,cRLSign";
  root_spec.notBefore = now - 10L * 365 * 86400;
  root_spec.notAfter = now + 10L * 365 * 86400;
  pki.root = makeCertificate(root_spec, pki.root_key.get());

  CertificateSpec other_spec = root_spec;
  other_spec.subject = {{"CN", "cabridge Test Root CA"}};  // same name, different key
  pki.other_root = makeCertificate(other_spec, pki.other_root_key.get());

  CertificateSpec intermediate_spec = root_spec;
  intermediate_spec.subject = {
      {"C", "CN"}, {"ST", "河北省"}, {"O", "河北省电子认证有限公司 (test)"}, {"CN", "HEBCA Test SM CA"}};
  intermediate_spec.serial = 2;
  pki.intermediate = makeCertificate(intermediate_spec, pki.intermediate_key.get(), pki.root.get(), pki.root_key.get());

  auto rsa = org_spec("河北测试科技有限公司");
  rsa.extensions = {{"1.2.156.10260.4.1.4", derUtf8String(kValidUscc)},
                    {cabridge::kHebcaUniqueIdOid, derUtf8String(std::string("2@6021SF0") + kValidUscc)}};
  pki.entities["rsa"] = issue(pki, generateKey(KeyType::Rsa2048), rsa, 0x1001);
  pki.entities["rsa2"] = issue(pki, generateKey(KeyType::Rsa2048), org_spec("另一家公司"), 0x1002);

  auto ec256 = org_spec("石家庄测试有限公司");
  ec256.subject.push_back({"OU", "91350100M000100Y43"});
  pki.entities["ec256"] = issue(pki, generateKey(KeyType::P256), ec256, 0x1003);

  auto ec384 = org_spec("保定测试有限公司");
  ec384.extensions = {{"1.2.156.10260.4.4", derUtf8String(kValidUscc)}};
  pki.entities["ec384"] = issue(pki, generateKey(KeyType::P384), ec384, 0x1004);

  auto expired = org_spec("过期公司");
  expired.notBefore = now - 3L * 365 * 86400;
  expired.notAfter = now - 30L * 86400;
  pki.entities["expired"] = issue(pki, generateKey(KeyType::P256), expired, 0x1005);

  auto notyet = org_spec("未生效公司");
  notyet.notBefore = now + 30L * 86400;
  notyet.notAfter = now + 400L * 86400;
  pki.entities["notyet"] = issue(pki, generateKey(KeyType::P256), notyet, 0x1006);

  auto encipher_only = org_spec("加密证书公司");
  encipher_only.keyUsage = "critical,keyEncipherment,dataEncipherment";
  pki.entities["encipher"] = issue(pki, generateKey(KeyType::P256), encipher_only, 0x1007);

  auto nonrep_only = org_spec("签章证书公司");
  nonrep_only.keyUsage = "critical,nonRepudiation";
  pki.entities["nonrep"] = issue(pki, generateKey(KeyType::P256), nonrep_only, 0x1008);

  auto no_usage = org_spec("无用法公司");
  no_usage.keyUsage.clear();
  pki.entities["nousage"] = issue(pki, generateKey(KeyType::P256), no_usage, 0x1009);

  pki.entities["ed25519"] = issue(pki, generateKey(KeyType::Ed25519), org_spec("EdDSA"), 0x100a);
  pki.entities["p521"] = issue(pki, generateKey(KeyType::P521), org_spec("P-521"), 0x100b);

  // Same key and name as "ec256" but issued by a root nobody trusts.
  EndEntity rogue;
  rogue.key = generateKey(KeyType::P256);
  rogue.cert = makeCertificate(ec256, rogue.key.get(), pki.other_root.get(), pki.other_root_key.get());
  pki.entities["rogue"] = std::move(rogue);
  return pki;
}

}  // namespace

const TestPki& TestPki::get() {
  static const TestPki pki = build();
  return pki;
}

CertificateSet TestPki::trusted_roots() const {
  CertificateSet set;
  set.add_pem(pemOf(root.get()));
  return set;
}

CertificateSet TestPki::intermediates() const {
  CertificateSet set;
  set.add_der(derOf(intermediate.get()));
  return set;
}

nlohmann::json make_token(const EndEntity& entity, const char* algorithm, std::string_view origin,
                          const Bytes& challenge, const char* mode) {
  const bool legacy = mode != nullptr && std::string_view(mode) == "legacy";
  const Bytes message = legacy ? challenge : origin_bound_message(algorithm, origin, challenge);
  nlohmann::json token = {{"format", "cabridge-auth:2"},
                          {"certificate", base64(derOf(entity.cert.get()))},
                          {"algorithm", algorithm},
                          {"signature", base64(sign_message(entity.key.get(), algorithm, message))},
                          {"origin", origin},
                          {"appVersion", "0.1.0"}};
  if (mode != nullptr) token["mode"] = mode;
  return token;
}

}  // namespace cabridge::verify::test
