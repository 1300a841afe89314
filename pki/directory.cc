#include "pki/directory.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "common/file_util.h"
#include "common/parallel.h"
#include "crypto/base64.h"
#include "pki/certificate.h"
#include "pki/crl_floor.h"

namespace tocsin::pki {
namespace {

constexpr UnixMillis kNever = std::numeric_limits<UnixMillis>::max();

// Whether the DER inside `pem` (one PEM certificate) holds `key`'s raw bytes.
bool CertificateCarriesKey(ByteView pem, const crypto::PublicKey& key) {
  std::string_view text = AsStringView(pem);
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::size_t begin = text.find(kBegin);
  std::size_t end = text.find(kEnd);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    return false;
  }
  std::string base64;
  for (char c : text.substr(begin + kBegin.size(), end - begin - kBegin.size())) {
    if (c != '\n' && c != '\r') base64.push_back(c);
  }
  std::optional<Bytes> der = crypto::Base64Decode(base64);
  return der && std::search(der->begin(), der->end(), key.begin(), key.end()) != der->end();
}

}  // namespace

Result<CertificateDirectory> CertificateDirectory::Open(const std::string& public_dir,
                                                        crypto::X509Ptr trusted_root,
                                                        Verification mode,
                                                        const CrlFloor* floor,
                                                        std::optional<UnixMillis> now) {
  std::string crl_path = public_dir + "/crl.pem";
  if (mode == Verification::kCurrent) {
    for (const std::string& path : {public_dir, public_dir + "/principals", crl_path}) {
      TOCSIN_RETURN_IF_ERROR(CheckTrustedPath(path));
    }
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr crl, LoadCrl(crl_path));
  if (X509_CRL_get0_nextUpdate(crl.get()) == nullptr) {
    return MakeError(ErrorCode::kUntrustedCertificate, crl_path + " has no next update");
  }
  // The verifier checks the CRL's signature against the pinned root: only
  // then may its number raise the floor (a forged CRL must not).
  TOCSIN_ASSIGN_OR_RETURN(CertificateVerifier verifier,
                          CertificateVerifier::Create(std::move(trusted_root),
                                                      std::move(crl)));
  if (floor != nullptr) {
    TOCSIN_RETURN_IF_ERROR(floor->Admit(verifier.crl(), crl_path));
  }
  CrlCurrency currency =
      JudgeCrlCurrency(verifier, public_dir, now ? *now : SystemClock().NowMillis());
  return CertificateDirectory(public_dir, std::move(verifier), mode, std::move(currency));
}

CertificateDirectory::CertificateDirectory(std::string dir, CertificateVerifier verifier,
                                           Verification mode, CrlCurrency currency)
    : dir_(std::move(dir)), verifier_(std::move(verifier)), mode_(mode),
      currency_(std::move(currency)) {
  auto millis = [](const ASN1_TIME* t, UnixMillis fallback) {
    Result<UnixMillis> m = Asn1TimeToMillis(t);
    return m ? *m : fallback;
  };
  // Where a record hit may count: the root valid and the CRL issued (a
  // failed conversion leaves an empty window: every hit verified in full).
  trust_window_ = {
      std::max(millis(X509_get0_notBefore(verifier_.root()), kNever),
               millis(X509_CRL_get0_lastUpdate(verifier_.crl()), kNever)),
      millis(X509_get0_notAfter(verifier_.root()), 0)};
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(verifier_.crl());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    revoked_serials_.insert(SerialHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  }
}

bool CertificateDirectory::RecordHitHolds(const CertifiedKey& known, ByteView pem,
                                          UnixMillis at) const {
  // What X509_verify_cert would judge again at `at`: the serial against
  // this CRL, the CRL's and the root's own validity.
  if (revoked_serials_.count(known.serial_hex) || at < trust_window_.first ||
      at >= trust_window_.second) {
    return false;
  }
  // The record never supplies a key: the one it names must be the one this
  // very certificate file carries (raw, in its DER), so a record forged by
  // whoever holds the owner's key still admits no key of theirs.
  return CertificateCarriesKey(pem, known.public_key);
}

Result<CertifiedKey> CertificateDirectory::Resolve(std::string_view principal_id,
                                                   Purpose purpose, UnixMillis at) {
  Lookup lookup = LookUp(principal_id, purpose, at);
  Remember(lookup, principal_id, purpose);
  return std::move(lookup.key);
}

std::vector<Result<CertifiedKey>> CertificateDirectory::ResolveEach(
    const std::vector<std::string>& ids, Purpose purpose, UnixMillis at) {
  std::vector<Lookup> lookups(ids.size(), Lookup{MakeError(ErrorCode::kInternal, "not run"), {}});
  // OpenSSL's store and CRL are safe to verify against from several threads.
  ParallelFor(ids.size(), 128, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      lookups[i] = LookUp(ids[i], purpose, at);
    }
  });
  std::vector<Result<CertifiedKey>> out;
  out.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    Remember(lookups[i], ids[i], purpose);
    out.push_back(std::move(lookups[i].key));
  }
  return out;
}

void CertificateDirectory::PruneRecord(UnixMillis now) {
  if (record_ != nullptr) {
    record_->Prune([&](const CertifiedKey& key) {
      return key.not_after <= now || revoked_serials_.count(key.serial_hex) > 0;
    });
  }
}

Status CertificateDirectory::FinishRecord(UnixMillis now) {
  VerifiedRecord* record = record_;
  if (record == nullptr) {
    return {};
  }
  PruneRecord(now);
  record_ = nullptr;
  return record->Save();
}

crypto::Digest CertificateDirectory::TrustDigest() const {
  return pki::TrustDigest(verifier_.root());
}

CertificateDirectory::Lookup CertificateDirectory::LookUp(std::string_view principal_id,
                                                          Purpose purpose, UnixMillis at) const {
  if (Status valid = ValidatePrincipalId(principal_id); !valid) {
    return {tl::unexpected(valid.error()), std::nullopt};
  }
  bool current = mode_ == Verification::kCurrent;
  auto in_time = [&](const CertifiedKey& key) {
    // As OpenSSL: valid from notBefore, expired at notAfter (whole seconds).
    return at >= key.not_before && at < key.not_after;
  };
  auto cached = verified_.find(std::make_pair(std::string(principal_id), purpose));
  if (current && cached != verified_.end() && in_time(cached->second) &&
      at <= currency_.current_until) {
    return {cached->second, std::nullopt};
  }
  if (current && at > currency_.current_until) {
    return {MakeError(ErrorCode::kExpired, DescribeStaleCrl(dir_, currency_)), std::nullopt};
  }
  std::string path = dir_ + "/principals/" + std::string(principal_id) + "/" +
                     std::string(PurposeName(purpose)) + ".crt";
  Result<Bytes> pem = ReadFile(path, kMaxPemFileSize);
  if (!pem) {
    return {MakeError(ErrorCode::kNotFound, "no " + std::string(PurposeName(purpose)) +
                                                " certificate for principal '" +
                                                std::string(principal_id) + "'"),
            std::nullopt};
  }
  std::optional<crypto::Digest> digest;
  if (current && record_ != nullptr) {
    digest = crypto::Sha256(*pem);
    const CertifiedKey* known = record_->Find(*digest, purpose);
    // The record holds what verified under this root, under some CRL: the
    // serial is checked against this one. A key revoked or outside its
    // validity is verified again, for the error it gives.
    if (known != nullptr && known->principal_id == principal_id && in_time(*known) &&
        RecordHitHolds(*known, *pem, at)) {
      return {*known, std::nullopt};
    }
  }
  Result<crypto::X509Ptr> certificate = ParseCertificatePem(*pem, path);
  if (!certificate) {
    return {tl::unexpected(certificate.error()), std::nullopt};
  }
  Result<CertifiedKey> verified = current ? verifier_.Verify(certificate->get(), purpose, at)
                                          : verifier_.VerifyAsOf(certificate->get(), purpose, at);
  if (verified && verified->principal_id != principal_id) {
    return {MakeError(ErrorCode::kUntrustedCertificate,
                      path + " is issued to '" + verified->principal_id + "'"),
            std::nullopt};
  }
  return {std::move(verified), verified ? digest : std::nullopt};
}

void CertificateDirectory::Remember(const Lookup& lookup, std::string_view principal_id,
                                    Purpose purpose) {
  if (!lookup.key) {
    return;
  }
  verified_[std::make_pair(std::string(principal_id), purpose)] = *lookup.key;
  if (lookup.new_to_record && record_ != nullptr) {
    record_->Add(*lookup.new_to_record, *lookup.key);
  }
}

Result<crypto::ResolvedSigner> CertificateDirectory::ResolveSigner(
    std::string_view principal_id, UnixMillis at) {
  TOCSIN_ASSIGN_OR_RETURN(CertifiedKey key, Resolve(principal_id, Purpose::kSigning, at));
  return crypto::ResolvedSigner{key.public_key, key.role};
}

Result<Bytes> PinnedGatewayKey(CertificateDirectory& directory, std::string_view gateway_id,
                               UnixMillis at) {
  TOCSIN_ASSIGN_OR_RETURN(CertifiedKey gateway,
                          directory.Resolve(gateway_id, Purpose::kTransport, at));
  if (gateway.role != Role::kGateway) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(gateway_id) + " is not a gateway");
  }
  return Bytes(gateway.public_key.begin(), gateway.public_key.end());
}

std::vector<std::string> CertificateDirectory::PrincipalIds() const {
  std::vector<std::string> ids;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir_ + "/principals", error)) {
    if (entry.is_directory() && ValidatePrincipalId(entry.path().filename().string())) {
      ids.push_back(entry.path().filename().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace tocsin::pki
