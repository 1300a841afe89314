// pki/verified_record.h -- the certificates a principal has already
// verified, kept across runs, so that issuing to a whole country does not
// redo 5,000 chain and CRL checks every time.
//
// A record belongs to one trust anchor: the pinned root, named by
// TrustDigest (SHA-256 of its DER); another root and the whole record is
// dropped. It maps the SHA-256 of a certificate file's bytes, and a
// purpose, to the key that verifying it gave. It is signed by its owner's
// signing key under "tocsin/verified-certificates/v1\0" and read back only
// when that signature verifies. What stays the caller's to check on every
// use (pki/directory.h does):
// - revocation: the serial against the CRL in force, so a new CRL keeps
//   the record (a daily re-issue does not make the next issue slow) and
//   never hides a revocation;
// - validity in time (the record keeps not_before and not_after), and the
//   CRL's currency;
// - that the certificate file still hashes to the digest looked up.
//
// Thread safety: Find may run on several threads at once; Add and Save may
// not run beside anything else.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/hash.h"
#include "crypto/openssl_util.h"
#include "crypto/signing.h"
#include "pki/identity.h"

namespace tocsin::pki {

inline constexpr std::string_view kVerifiedRecordContext{"tocsin/verified-certificates/v1\0",
                                                         32};
inline constexpr std::size_t kMaxRecordEntries = 100000;

// SHA-256 of the root's DER: the trust anchor a record belongs to.
crypto::Digest TrustDigest(X509* root);

class VerifiedRecord {
 public:
  // Reads `path` (absent: empty). A record of another root is dropped
  // quietly (a new CA); one that is damaged or not signed by `owner` is
  // dropped and said in `*discarded`. The record keeps its own copy of
  // `owner`, to sign what it saves.
  static VerifiedRecord Open(std::string path, const crypto::SigningKey& owner,
                             const crypto::Digest& trust, std::string* discarded);

  // The key verified for the certificate whose file hashes to `certificate`.
  const CertifiedKey* Find(const crypto::Digest& certificate, Purpose purpose) const;
  void Add(const crypto::Digest& certificate, const CertifiedKey& key);

  std::size_t size() const { return entries_.size(); }
  const crypto::Digest& trust() const { return trust_; }
  bool changed() const { return changed_; }
  const std::string& path() const { return path_; }

  // Drops the entries `outdated` says are (expired, revoked): a record
  // stays the size of the principals in force, renewals and all.
  // Returns how many were dropped.
  std::size_t Prune(const std::function<bool(const CertifiedKey&)>& outdated);

  // Empties the record unless `trust` is its own (another root).
  void Retrust(const crypto::Digest& trust);

  // Replaces the file (0600) with the signed record, if anything was added.
  Status Save();

 private:
  VerifiedRecord(std::string path, crypto::SigningKey owner, const crypto::Digest& trust)
      : path_(std::move(path)), owner_(std::move(owner)), trust_(trust) {}

  std::string Serialize() const;
  Status Parse(std::string_view text);

  std::string path_;
  crypto::SigningKey owner_;
  crypto::Digest trust_;
  std::map<std::pair<crypto::Digest, Purpose>, CertifiedKey> entries_;
  bool changed_ = false;
};

}  // namespace tocsin::pki
