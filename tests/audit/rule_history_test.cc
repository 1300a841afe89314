#include "tools/audit/rule_history.h"

#include <catch2/catch.hpp>

#include "pki/authority.h"
#include "pki/certificate.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::tools::audit {
namespace {

using pki::testing::PkiFixture;

Bytes PublishedCrl(const PkiFixture& f) {
  return pki::CrlToDer(pki::LoadCrl(pki::CaPaths(f.Ca()).Crl()).value().get()).value();
}

crypto::X509Ptr Root(const PkiFixture& f) {
  return pki::LoadCertificate(pki::CaPaths(f.Ca()).RootCertificate()).value();
}

TEST_CASE("The rule in force follows the CRLs the gateway adopted", "[audit][signature-rule]") {
  PkiFixture f;
  crypto::X509Ptr root = Root(f);
  RuleHistory rules;
  CHECK(rules.InForce().IsDefault());  // a log from before CRLs were recorded
  Bytes first = PublishedCrl(f);
  REQUIRE(rules.Adopt(first, root.get()));
  CHECK(rules.InForce().IsDefault());
  SignatureRule two;
  two.by_severity = {1, 1, 1, 2};
  REQUIRE(f.Open().SetSignatureRule(two));
  Bytes second = PublishedCrl(f);
  REQUIRE(rules.Adopt(second, root.get()));
  CHECK(rules.InForce() == two);
  CHECK(rules.crl_number() == 2);
  REQUIRE(rules.Adopt(second, root.get()));  // again after a restart: the same
  Status back = rules.Adopt(first, root.get());
  REQUIRE_FALSE(back);
  CHECK_THAT(back.error().context, Catch::Contains("CRL 1 adopted after CRL 2"));
  CHECK(rules.InForce() == two);
}

TEST_CASE("A CRL the root did not sign, or that is not one DER CRL, is refused",
          "[audit][signature-rule][negative]") {
  PkiFixture f;
  PkiFixture other;
  RuleHistory rules;
  Status foreign = rules.Adopt(PublishedCrl(other), Root(f).get());
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().code == ErrorCode::kBadSignature);
  Bytes crl = PublishedCrl(f);
  Bytes trailing = crl;
  trailing.push_back(0);
  CHECK(rules.Adopt(trailing, Root(f).get()).error().code == ErrorCode::kMalformedMessage);
  crl[crl.size() - 1] ^= 1;  // the signature's last byte
  CHECK(rules.Adopt(crl, Root(f).get()).error().code == ErrorCode::kBadSignature);
  CHECK_FALSE(rules.crl_number());
}

}  // namespace
}  // namespace tocsin::tools::audit
