#include "pki/verifier.h"

#include <catch2/catch.hpp>

#include "crypto/key_agreement.h"
#include "crypto/key_file.h"
#include "pki/bundle.h"
#include "pki/cert_builder.h"
#include "pki/certificate.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::pki {
namespace {

using testing::kDay;
using testing::kStart;
using testing::PkiFixture;

CertificateVerifier VerifierFor(const PkiFixture& f) {
  CaPaths paths(f.Ca());
  return CertificateVerifier::Load(paths.RootCertificate(), paths.Crl()).value();
}

crypto::X509Ptr Cert(const std::string& bundle, Purpose purpose) {
  return LoadCertificate(BundlePaths(bundle).Certificate(purpose)).value();
}

// Issues a leaf with `spec` directly with the CA's root key, bypassing the
// CA's own checks, to build certificates the verifier must refuse.
crypto::X509Ptr IssueRaw(const PkiFixture& f, const LeafSpec& spec) {
  CaPaths paths(f.Ca());
  crypto::SigningKey key = crypto::ReadSigningKeyFile(paths.RootKey()).value();
  crypto::EvpPkeyPtr pkey = Ed25519PrivateKey(key.seed()).value();
  crypto::X509Ptr root = LoadCertificate(paths.RootCertificate()).value();
  return BuildLeafCertificate(root.get(), pkey.get(), spec).value();
}

TEST_CASE("Verify returns the certified identity of a good certificate", "[pki][verify]") {
  PkiFixture f;
  std::string bundle = f.Enroll("energy-authority", Role::kAgency, "energy");
  CertificateVerifier verifier = VerifierFor(f);
  for (Purpose purpose : kAllPurposes) {
    Result<CertifiedKey> key = verifier.Verify(Cert(bundle, purpose).get(), purpose, kStart);
    INFO((key ? "" : key.error().ToString()));
    REQUIRE(key);
    CHECK(key->principal_id == "energy-authority");
    CHECK(key->role == Role::kAgency);
    CHECK(key->sector == "energy");
    CHECK(key->purpose == purpose);
  }
}

TEST_CASE("Verify refuses a certificate used for another purpose", "[pki][verify][negative]") {
  PkiFixture f;
  std::string bundle = f.Enroll("op.alice", Role::kOperator);
  CertificateVerifier verifier = VerifierFor(f);
  Result<CertifiedKey> key =
      verifier.Verify(Cert(bundle, Purpose::kEncryption).get(), Purpose::kTransport, kStart);
  REQUIRE_FALSE(key);
  CHECK(key.error().code == ErrorCode::kUntrustedCertificate);
  CHECK_FALSE(verifier.Verify(Cert(bundle, Purpose::kSigning).get(), Purpose::kEncryption, kStart));
}

TEST_CASE("Certificates of the first profile, under the old arc, still verify",
          "[pki][verify][migration]") {
  PkiFixture f;
  crypto::X25519KeyPair key = crypto::X25519KeyPair::Generate().value();
  LeafSpec spec{"Tocsin Test Centre", "energy-authority", Role::kAgency, "energy",
                Purpose::kEncryption, key.public_key(), kStart - 1000, kStart + kDay / 2, std::nullopt};
  Result<CertifiedKey> current = VerifierFor(f).Verify(IssueRaw(f, spec).get(), Purpose::kEncryption, kStart);
  REQUIRE(current);
  CHECK(current->arc == Arc::kCurrent);
  spec.arc = Arc::kLegacy;
  crypto::X509Ptr legacy = IssueRaw(f, spec);
  Result<CertifiedKey> old = VerifierFor(f).Verify(legacy.get(), Purpose::kEncryption, kStart);
  REQUIRE(old);
  CHECK(old->arc == Arc::kLegacy);
  CHECK_FALSE(VerifierFor(f).Verify(legacy.get(), Purpose::kTransport, kStart));  // still one purpose
}

TEST_CASE("Verify reports revoked certificates as revoked", "[pki][verify][negative]") {
  PkiFixture f;
  std::string bundle = f.Enroll("op.alice", Role::kOperator);
  f.Open().Revoke("op.alice").value();
  CertificateVerifier verifier = VerifierFor(f);
  Result<CertifiedKey> key =
      verifier.Verify(Cert(bundle, Purpose::kSigning).get(), Purpose::kSigning, kStart);
  REQUIRE_FALSE(key);
  CHECK(key.error().code == ErrorCode::kRevoked);
  CHECK(key.error().context.find("op.alice") != std::string::npos);
}

TEST_CASE("Verify fails closed on expired certificates and stale CRLs",
          "[pki][verify][negative]") {
  PkiFixture f;
  std::string bundle = f.Enroll("op.alice", Role::kOperator);
  CertificateVerifier verifier = VerifierFor(f);
  X509* cert = Cert(bundle, Purpose::kSigning).release();
  crypto::X509Ptr owned(cert);
  // The CRL is valid for 24 hours: a day later nothing verifies until a new one.
  CHECK(verifier.Verify(cert, Purpose::kSigning, kStart + kDay + 1000).error().code ==
        ErrorCode::kExpired);
  CHECK(verifier.Verify(cert, Purpose::kSigning, kStart - kDay).error().code ==
        ErrorCode::kExpired);
  f.clock.Advance(31 * kDay);
  REQUIRE(f.Open().ReissueCrl());
  CertificateVerifier fresh = VerifierFor(f);
  CHECK(fresh.Verify(cert, Purpose::kSigning, f.clock.NowMillis()).error().code ==
        ErrorCode::kExpired);
}

TEST_CASE("Verify refuses certificates from another CA", "[pki][verify][negative]") {
  PkiFixture ours;
  PkiFixture theirs;
  std::string bundle = theirs.Enroll("op.mallory", Role::kOperator);
  Result<CertifiedKey> key =
      VerifierFor(ours).Verify(Cert(bundle, Purpose::kSigning).get(), Purpose::kSigning, kStart);
  REQUIRE_FALSE(key);
  CHECK(key.error().code == ErrorCode::kUntrustedCertificate);
}

TEST_CASE("Create refuses a CRL signed by another CA or none at all",
          "[pki][verify][negative]") {
  PkiFixture ours;
  PkiFixture theirs;
  CaPaths a(ours.Ca());
  CaPaths b(theirs.Ca());
  auto mixed = CertificateVerifier::Load(a.RootCertificate(), b.Crl());
  REQUIRE_FALSE(mixed);
  CHECK(mixed.error().context.find("not signed by the root") != std::string::npos);
  CHECK_FALSE(CertificateVerifier::Create(LoadCertificate(a.RootCertificate()).value(), nullptr));
}

TEST_CASE("The root's name constraint stops a leaf outside its organization",
          "[pki][verify][negative]") {
  PkiFixture f;
  crypto::X25519KeyPair key = crypto::X25519KeyPair::Generate().value();
  LeafSpec spec{"Rogue Org", "energy-authority", Role::kAgency, "energy",
                Purpose::kEncryption, key.public_key(), kStart - 1000, kStart + kDay / 2, std::nullopt};
  crypto::X509Ptr rogue = IssueRaw(f, spec);
  Result<CertifiedKey> verified = VerifierFor(f).Verify(rogue.get(), Purpose::kEncryption, kStart);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code == ErrorCode::kUntrustedCertificate);
  CHECK_THAT(verified.error().context, Catch::Contains("subtree violation"));
  spec.organization = "Tocsin Test Centre";
  CHECK(VerifierFor(f).Verify(IssueRaw(f, spec).get(), Purpose::kEncryption, kStart));
}

TEST_CASE("Verify checks that the key type matches the purpose", "[pki][verify][negative]") {
  PkiFixture f;
  crypto::X25519KeyPair key = crypto::X25519KeyPair::Generate().value();
  // Claims to be a signing certificate but carries an X25519 key.
  LeafSpec spec{"Tocsin Test Centre", "op.alice", Role::kOperator, std::nullopt,
                Purpose::kEncryption, key.public_key(), kStart - 1000, kStart + kDay / 2, std::nullopt};
  crypto::X509Ptr cert = IssueRaw(f, spec);
  CHECK_FALSE(VerifierFor(f).Verify(cert.get(), Purpose::kSigning, kStart));
}

TEST_CASE("A root certificate is not accepted as a principal", "[pki][verify][negative]") {
  PkiFixture f;
  CaPaths paths(f.Ca());
  crypto::X509Ptr root = LoadCertificate(paths.RootCertificate()).value();
  CHECK_FALSE(VerifierFor(f).Verify(root.get(), Purpose::kSigning, kStart));
}

}  // namespace
}  // namespace tocsin::pki

namespace tocsin::pki {
namespace {

TEST_CASE("A gateway holds a log certificate that only a gateway may hold",
          "[pki][verify][log]") {
  PkiFixture f;
  std::string gateway = f.Enroll("gw.national", Role::kGateway);
  std::string agency = f.Enroll("energy-authority", Role::kAgency, "energy");
  CertificateVerifier verifier = VerifierFor(f);
  PrincipalBundle bundle = LoadBundle(gateway).value();
  REQUIRE(bundle.log_signing);
  Result<CertifiedKey> log = verifier.Verify(bundle.log_certificate.get(), Purpose::kLog, kStart);
  REQUIRE(log);
  CHECK(log->public_key == bundle.log_signing->public_key());
  CHECK(log->public_key != bundle.signing.public_key());  // a key for nothing else
  // The log certificate is not a signing certificate, nor the reverse.
  CHECK_FALSE(verifier.Verify(bundle.log_certificate.get(), Purpose::kSigning, kStart));
  CHECK_FALSE(verifier.Verify(bundle.signing_certificate.get(), Purpose::kLog, kStart));
  CHECK_FALSE(LoadBundle(agency).value().log_signing);
  // A log certificate issued to an agency is refused.
  crypto::SigningKey key = crypto::SigningKey::Generate().value();
  LeafSpec spec{"Tocsin Test Centre", "energy-authority", Role::kAgency, "energy",
                Purpose::kLog, key.public_key(), kStart - 1000, kStart + kDay / 2, std::nullopt};
  Result<CertifiedKey> forged = verifier.Verify(IssueRaw(f, spec).get(), Purpose::kLog, kStart);
  REQUIRE_FALSE(forged);
  CHECK_THAT(forged.error().context, Catch::Contains("not a gateway's"));
}

}  // namespace
}  // namespace tocsin::pki

namespace tocsin::pki {
namespace {

TEST_CASE("VerifyAsOf accepts evidence signed before a revocation and not after",
          "[pki][verify][audit]") {
  PkiFixture f;
  std::string bundle = f.Enroll("energy-authority", Role::kAgency, "energy");
  f.clock.Advance(2 * 3600 * 1000);  // revoked two hours after enrolment
  f.Open().Revoke("energy-authority").value();
  f.clock.Advance(20 * kDay);        // audited three weeks later: the CRL is newer
  CertificateVerifier verifier = VerifierFor(f);
  crypto::X509Ptr cert = Cert(bundle, Purpose::kSigning);
  CHECK(verifier.VerifyAsOf(cert.get(), Purpose::kSigning, kStart + 3600 * 1000));
  Result<CertifiedKey> late = verifier.VerifyAsOf(cert.get(), Purpose::kSigning,
                                                  kStart + 3 * 3600 * 1000);
  REQUIRE_FALSE(late);
  CHECK(late.error().code == ErrorCode::kRevoked);
  CHECK_FALSE(verifier.Verify(cert.get(), Purpose::kSigning, kStart + 3600 * 1000));
  // Outside the certificate's own validity nothing is accepted.
  CHECK_FALSE(verifier.VerifyAsOf(cert.get(), Purpose::kSigning, kStart + 40 * kDay));
}

}  // namespace
}  // namespace tocsin::pki
