#include "pki/crl_signature_rule.h"

#include <catch2/catch.hpp>

#include "crypto/key_file.h"
#include "pki/authority.h"
#include "pki/cert_builder.h"
#include "pki/certificate.h"
#include "pki/verifier.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::pki {
namespace {

using testing::kStart;
using testing::PkiFixture;

SignatureRule Rule(std::array<std::uint32_t, 4> severity, std::uint32_t cancel,
                   std::uint32_t downgrade) {
  SignatureRule rule;
  rule.by_severity = severity;
  rule.cancel = cancel;
  rule.downgrade = downgrade;
  return rule;
}

// The CA's root and its key, to sign CRLs the CA itself would never issue.
struct RootSigner {
  crypto::X509Ptr root;
  crypto::EvpPkeyPtr key;

  explicit RootSigner(const PkiFixture& f) {
    CaPaths paths(f.Ca());
    root = LoadCertificate(paths.RootCertificate()).value();
    key = Ed25519PrivateKey(crypto::ReadSigningKeyFile(paths.RootKey()).value().seed()).value();
  }
  crypto::X509CrlPtr Crl(const SignatureRule& rule) const {
    return BuildCrl(root.get(), key.get(), {}, 9, kStart, kStart + 3600000, rule).value();
  }
  void Sign(X509_CRL* crl) const { REQUIRE(X509_CRL_sign(crl, key.get(), nullptr) > 0); }
  crypto::X509Ptr Root() const { return crypto::X509Ptr(X509_dup(root.get())); }
};

void AddRawExtension(X509_CRL* crl, ByteView der, int critical, Arc arc = Arc::kCurrent) {
  crypto::Asn1ObjectPtr object(OBJ_txt2obj(TocsinOid(kSignatureRuleLeaf, arc).c_str(), 1));
  std::unique_ptr<ASN1_OCTET_STRING, CFree<&ASN1_OCTET_STRING_free>> value(ASN1_OCTET_STRING_new());
  REQUIRE(ASN1_OCTET_STRING_set(value.get(), der.data(), static_cast<int>(der.size())) == 1);
  crypto::X509ExtensionPtr extension(
      X509_EXTENSION_create_by_OBJ(nullptr, object.get(), critical, value.get()));
  REQUIRE(X509_CRL_add_ext(crl, extension.get(), -1) == 1);
}

TEST_CASE("The rule's DER is 23 bytes and reads back", "[pki][signature-rule]") {
  SignatureRule rule = Rule({1, 2, 3, 4}, 2, 3);
  Bytes der = EncodeSignatureRule(rule);
  CHECK(HexEncode(der) == "3015020101020101020102020103020104020102020103");
  CHECK(DecodeSignatureRule(der).value() == rule);
}

TEST_CASE("Any other shape of the rule is refused", "[pki][signature-rule][negative]") {
  Bytes good = EncodeSignatureRule(SignatureRule{});
  auto with = [&](std::size_t at, std::uint8_t value) {
    Bytes bad = good;
    bad[at] = value;
    return bad;
  };
  const std::pair<Bytes, const char*> cases[] = {
      {Bytes(good.begin(), good.end() - 3), "not a SEQUENCE"},
      {with(0, 0x31), "not a SEQUENCE"},
      {with(1, 0x16), "not a SEQUENCE"},
      {with(5, 0x04), "element 2 is not a one-byte INTEGER"},
      {with(6, 0x02), "element 2 is not a one-byte INTEGER"},
      {with(4, 2), "version 2 is not 1"},
      {with(22, 0), "downgrade is 0"},
      {with(16, 5), "critical is 5"},
  };
  for (const auto& [der, expected] : cases) {
    INFO(HexEncode(der));
    Result<SignatureRule> read = DecodeSignatureRule(der);
    REQUIRE_FALSE(read);
    CHECK(read.error().code == ErrorCode::kInvalidArgument);
    CHECK_THAT(read.error().context, Catch::Contains(expected));
  }
}

TEST_CASE("The CA signs its rule into every CRL; the verifier reads it",
          "[pki][signature-rule]") {
  PkiFixture f;
  CaPaths paths(f.Ca());
  CHECK(CertificateVerifier::Load(paths.RootCertificate(), paths.Crl())->signature_rule().IsDefault());
  SignatureRule rule = Rule({1, 1, 2, 2}, 2, 2);
  CertificateAuthority ca = f.Open();
  REQUIRE(ca.SetSignatureRule(rule));
  CHECK(ca.Crl()->signature_rule == rule);
  CHECK(ca.Crl()->number == 2);
  CHECK(CertificateVerifier::Load(paths.RootCertificate(), paths.Crl())->signature_rule() == rule);
  // ca.toml keeps it: the next CRL, for a revocation, carries it too.
  f.Enroll("op.alice", Role::kOperator);
  REQUIRE(f.Open().Revoke("op.alice"));
  CHECK(f.Open().config().signatures == rule);
  CHECK(CertificateVerifier::Load(paths.RootCertificate(), paths.Crl())->signature_rule() == rule);
  // An unusable rule changes nothing.
  CHECK_FALSE(f.Open().SetSignatureRule(Rule({1, 1, 1, 5}, 1, 1)));
  CHECK(f.Open().Crl()->signature_rule == rule);
}

TEST_CASE("A CRL without the extension carries the default rule", "[pki][signature-rule]") {
  PkiFixture f;
  RootSigner signer(f);
  crypto::X509CrlPtr crl = signer.Crl(Rule({2, 2, 2, 2}, 2, 2));
  crypto::Asn1ObjectPtr object(OBJ_txt2obj(TocsinOid(kSignatureRuleLeaf).c_str(), 1));
  X509_EXTENSION_free(X509_CRL_delete_ext(crl.get(), X509_CRL_get_ext_by_OBJ(crl.get(), object.get(), -1)));
  signer.Sign(crl.get());
  CHECK(ReadSignatureRule(crl.get()).value().IsDefault());
  CHECK(CertificateVerifier::Create(signer.Root(), std::move(crl))->signature_rule().IsDefault());
}

TEST_CASE("A CRL of the first profile carries its rule under the old arc",
          "[pki][signature-rule][migration]") {
  PkiFixture f;
  RootSigner signer(f);
  crypto::X509CrlPtr crl = signer.Crl({});
  crypto::Asn1ObjectPtr current(OBJ_txt2obj(TocsinOid(kSignatureRuleLeaf).c_str(), 1));
  X509_EXTENSION_free(X509_CRL_delete_ext(crl.get(), X509_CRL_get_ext_by_OBJ(crl.get(), current.get(), -1)));
  AddRawExtension(crl.get(), EncodeSignatureRule(Rule({1, 1, 2, 2}, 2, 1)), 0, Arc::kLegacy);
  signer.Sign(crl.get());
  CHECK(ReadSignatureRule(crl.get()).value() == Rule({1, 1, 2, 2}, 2, 1));
}

TEST_CASE("During the migration the rule is written under both arcs, and read once",
          "[pki][signature-rule][migration]") {
  PkiFixture f;
  RootSigner signer(f);
  SignatureRule rule = Rule({1, 1, 2, 2}, 2, 1);
  crypto::X509CrlPtr crl =
      BuildCrl(signer.root.get(), signer.key.get(), {}, 9, kStart, kStart + 3600000, rule, true)
          .value();
  for (Arc arc : {Arc::kCurrent, Arc::kLegacy}) {
    crypto::Asn1ObjectPtr object(OBJ_txt2obj(TocsinOid(kSignatureRuleLeaf, arc).c_str(), 1));
    CHECK(X509_CRL_get_ext_by_OBJ(crl.get(), object.get(), -1) >= 0);  // where each release reads
  }
  CHECK(ReadSignatureRule(crl.get()).value() == rule);
  CHECK(CertificateVerifier::Create(signer.Root(), std::move(crl))->signature_rule() == rule);
}

TEST_CASE("A CRL whose rule is twice, critical or unreadable is unusable",
          "[pki][signature-rule][negative]") {
  PkiFixture f;
  RootSigner signer(f);
  Bytes two = EncodeSignatureRule(Rule({1, 1, 1, 2}, 1, 1));
  struct Case {
    const char* name;
    std::function<void(X509_CRL*)> spoil;
    const char* expected;
  };
  const Case cases[] = {
      {"twice", [&](X509_CRL* crl) { AddRawExtension(crl, EncodeSignatureRule({}), 0); },
       "present twice"},
      {"under both arcs",
       [&](X509_CRL* crl) { AddRawExtension(crl, EncodeSignatureRule({}), 0, Arc::kLegacy); },
       "present twice"},
      {"critical",
       [&](X509_CRL* crl) {
         crypto::Asn1ObjectPtr object(OBJ_txt2obj(TocsinOid(kSignatureRuleLeaf).c_str(), 1));
         X509_EXTENSION_free(X509_CRL_delete_ext(crl, X509_CRL_get_ext_by_OBJ(crl, object.get(), -1)));
         AddRawExtension(crl, two, 1);
       },
       "marked critical"},
      {"unreadable",
       [&](X509_CRL* crl) {
         crypto::Asn1ObjectPtr object(OBJ_txt2obj(TocsinOid(kSignatureRuleLeaf).c_str(), 1));
         X509_EXTENSION_free(X509_CRL_delete_ext(crl, X509_CRL_get_ext_by_OBJ(crl, object.get(), -1)));
         AddRawExtension(crl, Bytes{0x30, 0x00}, 0);
       },
       "not a SEQUENCE"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    crypto::X509CrlPtr crl = signer.Crl(Rule({1, 1, 1, 2}, 1, 1));
    c.spoil(crl.get());
    signer.Sign(crl.get());
    Result<CertificateVerifier> verifier = CertificateVerifier::Create(signer.Root(), std::move(crl));
    REQUIRE_FALSE(verifier);
    CHECK(verifier.error().code == ErrorCode::kUntrustedCertificate);
    CHECK_THAT(verifier.error().context, Catch::Contains("the CRL is unusable"));
    CHECK_THAT(verifier.error().context, Catch::Contains(c.expected));
  }
}

}  // namespace
}  // namespace tocsin::pki
