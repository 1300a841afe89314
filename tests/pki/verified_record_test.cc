#include "pki/verified_record.h"

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "pki/certificate.h"
#include "pki/directory.h"
#include "tests/pki/pki_fixture.h"

namespace tocsin::pki {
namespace {

using testing::kDay;
using testing::kStart;
using testing::PkiFixture;

struct RecordFixture : PkiFixture {
  std::string owner_bundle = Enroll("op.alice", Role::kOperator);
  PrincipalBundle owner = LoadBundle(owner_bundle).value();
  std::string path = owner_bundle + "/verified-certificates";

  RecordFixture() {
    Enroll("finance-authority", Role::kAgency, "finance");
    Enroll("energy-authority", Role::kAgency, "energy");
  }
  CertificateDirectory Directory() {
    return CertificateDirectory::Open(CaPaths(Ca()).Public(),
                                      LoadCertificate(CaPaths(Ca()).RootCertificate()).value(),
                                      Verification::kCurrent, nullptr, kStart)
        .value();
  }
  VerifiedRecord Record(const CertificateDirectory& directory, std::string* discarded = nullptr) {
    return VerifiedRecord::Open(path, owner.signing, directory.TrustDigest(), discarded);
  }
  // Resolves the two agencies through a record, and keeps it.
  void KeepRecord() {
    CertificateDirectory directory = Directory();
    VerifiedRecord record = Record(directory);
    directory.UseRecord(&record);
    for (const char* id : {"finance-authority", "energy-authority"}) {
      REQUIRE(directory.Resolve(id, Purpose::kEncryption, kStart));
    }
    REQUIRE(record.Save());
  }
  std::string Certificate(const std::string& id) {
    return CaPaths(Ca()).Public() + "/principals/" + id + "/encryption.crt";
  }
};

TEST_CASE("A kept record gives back the keys that verified, by certificate digest",
          "[pki][record]") {
  RecordFixture f;
  f.KeepRecord();
  CertificateDirectory directory = f.Directory();
  std::string discarded;
  VerifiedRecord record = f.Record(directory, &discarded);
  CHECK(discarded.empty());
  REQUIRE(record.size() == 2);
  crypto::Digest digest = crypto::Sha256(ReadFile(f.Certificate("energy-authority"), 4096).value());
  const CertifiedKey* known = record.Find(digest, Purpose::kEncryption);
  REQUIRE(known != nullptr);
  CertifiedKey fresh = directory.Resolve("energy-authority", Purpose::kEncryption, kStart).value();
  CHECK(known->public_key == fresh.public_key);
  CHECK(known->sector == std::optional<std::string>("energy"));
  CHECK(known->serial_hex == fresh.serial_hex);
  CHECK(known->not_after == fresh.not_after);
  CHECK(record.Find(digest, Purpose::kSigning) == nullptr);
}

TEST_CASE("A new CRL keeps the record, and a revocation in it is never hidden by it",
          "[pki][record][negative]") {
  RecordFixture f;
  f.KeepRecord();
  f.Open().Revoke("energy-authority").value();
  CertificateDirectory directory = f.Directory();
  std::string discarded;
  VerifiedRecord record = f.Record(directory, &discarded);
  CHECK(record.size() == 2);  // a re-issued CRL does not make the next issue slow
  CHECK(discarded.empty());
  directory.UseRecord(&record);
  CHECK(directory.Resolve("energy-authority", Purpose::kEncryption, kStart).error().code ==
        ErrorCode::kRevoked);
  CHECK(directory.Resolve("finance-authority", Purpose::kEncryption, kStart));
  CHECK_FALSE(record.changed());  // finance came from the record, nothing was added
  directory.PruneRecord(kStart);
  CHECK(record.size() == 1);  // the revoked one is dropped when the record is kept
  CertifiedKey finance = directory.Resolve("finance-authority", Purpose::kEncryption, kStart).value();
  directory.PruneRecord(finance.not_after);
  CHECK(record.size() == 0);  // and so is one past its validity
}

TEST_CASE("A record of another root is dropped", "[pki][record][negative]") {
  RecordFixture f;
  f.KeepRecord();
  PkiFixture other;
  other.Enroll("finance-authority", Role::kAgency, "finance");
  CertificateDirectory directory =
      CertificateDirectory::Open(CaPaths(other.Ca()).Public(),
                                 LoadCertificate(CaPaths(other.Ca()).RootCertificate()).value(),
                                 Verification::kCurrent, nullptr, kStart)
          .value();
  std::string discarded;
  CHECK(f.Record(directory, &discarded).size() == 0);
  CHECK(discarded.empty());
}

TEST_CASE("A record altered, or signed by another key, is discarded and said",
          "[pki][record][negative]") {
  RecordFixture f;
  f.KeepRecord();
  std::string text(AsStringView(ReadFile(f.path, 1 << 20).value()));
  SECTION("one byte of an entry changed") {
    std::size_t at = text.find("\tenergy\t");
    REQUIRE(at != std::string::npos);
    text.replace(at, 8, "\tfinanc\t");
  }
  SECTION("signed by another operator") {
    PrincipalBundle other = LoadBundle(f.Enroll("op.bob", Role::kOperator)).value();
    std::string body = text.substr(0, text.rfind("signature "));
    text = body + "signature " +
           HexEncode(other.signing.Sign(kVerifiedRecordContext, AsBytes(body))) + "\n";
  }
  SECTION("cut short") { text.resize(text.size() / 2); }
  REQUIRE(WriteFileDurably(f.path, AsBytes(text), 0600, Overwrite::kYes));
  CertificateDirectory directory = f.Directory();
  std::string discarded;
  VerifiedRecord record = f.Record(directory, &discarded);
  CHECK(record.size() == 0);
  CHECK(discarded.find(f.path) != std::string::npos);
  CHECK(record.changed());  // rewritten whole on the next save
}

TEST_CASE("A record never supplies a key: one its certificate does not carry is not used",
          "[pki][record][negative]") {
  RecordFixture f;
  f.KeepRecord();
  CertificateDirectory directory = f.Directory();
  crypto::Digest digest = crypto::Sha256(ReadFile(f.Certificate("energy-authority"), 4096).value());
  CertifiedKey real = directory.Resolve("energy-authority", Purpose::kEncryption, kStart).value();
  // Whoever holds the owner's key re-signs the record with a key of theirs.
  VerifiedRecord forged = f.Record(directory);
  CertifiedKey theirs = real;
  theirs.public_key.fill(0x42);
  forged.Add(digest, theirs);
  REQUIRE(forged.Save());
  CertificateDirectory fresh = f.Directory();
  VerifiedRecord record = f.Record(fresh);
  REQUIRE(record.Find(digest, Purpose::kEncryption)->public_key == theirs.public_key);
  fresh.UseRecord(&record);
  CHECK(fresh.Resolve("energy-authority", Purpose::kEncryption, kStart).value().public_key ==
        real.public_key);  // verified in full instead
}

TEST_CASE("A certificate file that changes is verified afresh, not read from the record",
          "[pki][record][negative]") {
  RecordFixture f;
  f.KeepRecord();
  std::filesystem::copy_file(f.Certificate("finance-authority"), f.Certificate("energy-authority"),
                             std::filesystem::copy_options::overwrite_existing);
  CertificateDirectory directory = f.Directory();
  VerifiedRecord record = f.Record(directory);
  directory.UseRecord(&record);
  Result<CertifiedKey> swapped = directory.Resolve("energy-authority", Purpose::kEncryption, kStart);
  REQUIRE_FALSE(swapped);
  CHECK(swapped.error().ToString().find("issued to 'finance-authority'") != std::string::npos);
}

TEST_CASE("A recorded key outside its validity is refused as an unrecorded one is",
          "[pki][record][negative]") {
  RecordFixture f;
  f.KeepRecord();
  CertificateDirectory directory = f.Directory();
  VerifiedRecord record = f.Record(directory);
  directory.UseRecord(&record);
  CertifiedKey key = directory.Resolve("finance-authority", Purpose::kEncryption, kStart).value();
  Result<CertifiedKey> late =
      directory.Resolve("finance-authority", Purpose::kEncryption, key.not_after + kDay);
  REQUIRE_FALSE(late);
  CHECK(late.error().code == ErrorCode::kExpired);
}

TEST_CASE("ResolveEach answers in order, on every core, as Resolve does", "[pki][record]") {
  RecordFixture f;
  for (int i = 0; i < 300; ++i) {
    f.Enroll("agency-" + std::to_string(i), Role::kAgency, "finance");
  }
  f.Open().Revoke("agency-7").value();
  CertificateDirectory directory = f.Directory();
  VerifiedRecord record = f.Record(directory);
  directory.UseRecord(&record);
  std::vector<std::string> ids = directory.PrincipalIds();
  ids.push_back("agency-missing");
  std::vector<Result<CertifiedKey>> each = directory.ResolveEach(ids, Purpose::kEncryption, kStart);
  REQUIRE(each.size() == ids.size());
  CertificateDirectory plain = f.Directory();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    Result<CertifiedKey> one = plain.Resolve(ids[i], Purpose::kEncryption, kStart);
    INFO(ids[i]);
    REQUIRE(bool(each[i]) == bool(one));
    if (one) {
      CHECK(each[i]->public_key == one->public_key);
    } else {
      CHECK(each[i].error().code == one.error().code);
    }
  }
  CHECK(record.size() == ids.size() - 2);  // neither the revoked nor the missing
}

}  // namespace
}  // namespace tocsin::pki
