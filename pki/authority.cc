#include "pki/authority.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "common/file_util.h"
#include "crypto/key_agreement.h"
#include "crypto/key_file.h"
#include "crypto/signing.h"
#include "pki/bundle.h"
#include "pki/cert_builder.h"
#include "pki/certificate.h"
#include "pki/crl_signature_rule.h"

namespace tocsin::pki {
namespace {

namespace fs = std::filesystem;
constexpr UnixMillis kClockSkew = 5 * 60 * 1000;
constexpr UnixMillis kDay = 24LL * 3600 * 1000;

Status WriteText(const std::string& path, std::string_view text, mode_t mode,
                 Overwrite overwrite) {
  return WriteFileDurably(path, AsBytes(text), mode, overwrite);
}

Status WritePemCertificate(const std::string& path, X509* certificate,
                           Overwrite overwrite) {
  TOCSIN_ASSIGN_OR_RETURN(std::string pem, CertificateToPem(certificate));
  return WriteText(path, pem, 0644, overwrite);
}

bool IsEmptyOrMissing(const std::string& dir) {
  std::error_code error;
  return !fs::exists(dir, error) || fs::is_empty(dir, error);
}

Status CheckRequest(const EnrollRequest& request, const CaConfig& config) {
  TOCSIN_RETURN_IF_ERROR(ValidatePrincipalId(request.principal_id));
  if (request.role == Role::kAgency && !request.sector) {
    return MakeError(ErrorCode::kInvalidArgument, "an agency needs --sector");
  }
  if (request.role != Role::kAgency && request.sector) {
    return MakeError(ErrorCode::kInvalidArgument, "only an agency has a sector");
  }
  if ((request.role == Role::kBridge) != request.channel.has_value()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     request.channel ? "only a bridge has a channel"
                                     : "a bridge needs --channel sms or --channel email");
  }
  if (request.channel && !IsBridgeChannel(*request.channel)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown channel '" + *request.channel + "': sms or email");
  }
  if (request.sector && !config.HasSector(*request.sector)) {
    std::string known;
    for (const std::string& sector : config.sectors) {
      known += (known.empty() ? "" : ", ") + sector;
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown sector '" + *request.sector + "'; ca.toml lists: " + known);
  }
  if (request.validity_days < 0 || request.validity_days > 397) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "validity must be 1 to 397 days");
  }
  return {};
}

// Fails unless `crl` carries the root's signature.
Status CheckCrlSignature(X509_CRL* crl, X509* root, const std::string& origin) {
  EVP_PKEY* key = X509_get0_pubkey(root);
  if (key == nullptr || X509_CRL_verify(crl, key) != 1) {
    crypto::TakeOpenSslErrors();
    return MakeError(ErrorCode::kUntrustedCertificate, origin + " is not signed by this CA's root");
  }
  return {};
}

// The CA's revocation state: its own record of the last CRL it issued, never
// what it finds published (which anyone with access to public/ may have
// replaced). The published CRL must be that record, byte for byte: an older
// one put back, or any other, is refused with the command that restores it.
// A CA from before the record existed adopts its published CRL once, after
// checking the root's signature on it.
Result<crypto::X509CrlPtr> LoadCrlState(const CaPaths& paths, X509* root) {
  if (!std::filesystem::exists(paths.CrlRecord())) {
    TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr published, LoadCrl(paths.Crl()));
    TOCSIN_RETURN_IF_ERROR(CheckCrlSignature(published.get(), root, paths.Crl()));
    TOCSIN_ASSIGN_OR_RETURN(std::string pem, CrlToPem(published.get()));
    TOCSIN_RETURN_IF_ERROR(WriteFileDurably(paths.CrlRecord(), AsBytes(pem), 0600, Overwrite::kNo));
    return published;
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr record, LoadCrl(paths.CrlRecord()));
  TOCSIN_RETURN_IF_ERROR(CheckCrlSignature(record.get(), root, paths.CrlRecord()));
  TOCSIN_ASSIGN_OR_RETURN(Bytes published, ReadFile(paths.Crl(), kMaxPemFileSize));
  TOCSIN_ASSIGN_OR_RETURN(Bytes recorded, ReadFile(paths.CrlRecord(), kMaxPemFileSize));
  if (published != recorded) {
    Result<crypto::X509CrlPtr> found = LoadCrl(paths.Crl());
    long number = found ? ReadCrlNumber(found->get()) : -1;
    return MakeError(ErrorCode::kRevoked,
                     paths.Crl() + " (CRL number " + std::to_string(number) +
                         ") is not the CRL this CA last issued (number " +
                         std::to_string(ReadCrlNumber(record.get())) +
                         "): it was replaced, and issuing from it could undo revocations. "
                         "Restore the CA's record: cp " + paths.CrlRecord() + " " + paths.Crl());
  }
  return record;
}

}  // namespace

std::string PrincipalManifest(const EnrollRequest& request) {
  std::string text = "# Tocsin key bundle. Keys are private: never copy this folder.\n";
  text += "id = \"" + request.principal_id + "\"\n";
  text += "role = \"" + std::string(RoleName(request.role)) + "\"\n";
  if (request.sector) {
    text += "sector = \"" + *request.sector + "\"\n";
  }
  if (request.channel) {
    text += "channel = \"" + *request.channel + "\"\n";
  }
  return text;
}



std::string_view StateName(PrincipalRecord::State state) {
  switch (state) {
    case PrincipalRecord::State::kActive: return "active";
    case PrincipalRecord::State::kRevoked: return "revoked";
    case PrincipalRecord::State::kExpired: return "expired";
  }
  return "unknown";
}

Status CertificateAuthority::Initialize(const std::string& dir,
                                        const CaConfig& config,
                                        const Clock& clock) {
  TOCSIN_RETURN_IF_ERROR(ValidateCaConfig(config));
  if (!IsEmptyOrMissing(dir)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     dir + " exists and is not empty; a CA is created in a new folder");
  }
  CaPaths paths(dir);
  TOCSIN_RETURN_IF_ERROR(MakeDirectory(dir, 0700));
  TOCSIN_RETURN_IF_ERROR(MakeDirectory(dir + "/private", 0700));
  TOCSIN_RETURN_IF_ERROR(MakeDirectory(paths.Public(), 0755));
  TOCSIN_RETURN_IF_ERROR(MakeDirectory(paths.Public() + "/principals", 0755));
  TOCSIN_ASSIGN_OR_RETURN(crypto::SigningKey root_key, crypto::SigningKey::Generate());
  TOCSIN_RETURN_IF_ERROR(crypto::WriteSigningKeyFile(paths.RootKey(), root_key));
  TOCSIN_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, Ed25519PrivateKey(root_key.seed()));
  UnixMillis now = clock.NowMillis();
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root,
                          BuildRootCertificate(key.get(), config.organization, now));
  TOCSIN_RETURN_IF_ERROR(WritePemCertificate(paths.RootCertificate(), root.get(),
                                             Overwrite::kNo));
  TOCSIN_ASSIGN_OR_RETURN(
      crypto::X509CrlPtr crl,
      BuildCrl(root.get(), key.get(), {}, 1, now,
               now + config.crl_validity_hours * 3600LL * 1000, config.signatures,
               config.legacy_rule_arc));
  TOCSIN_ASSIGN_OR_RETURN(std::string crl_pem, CrlToPem(crl.get()));
  TOCSIN_RETURN_IF_ERROR(WriteText(paths.CrlRecord(), crl_pem, 0600, Overwrite::kNo));
  TOCSIN_RETURN_IF_ERROR(WriteText(paths.Crl(), crl_pem, 0644, Overwrite::kNo));
  return WriteText(paths.Config(), RenderCaConfig(config), 0600, Overwrite::kNo);
}

Result<CertificateAuthority> CertificateAuthority::Open(const std::string& dir,
                                                        const Clock& clock) {
  CaPaths paths(dir);
  TOCSIN_ASSIGN_OR_RETURN(CaConfig config, LoadCaConfig(paths.Config()));
  TOCSIN_ASSIGN_OR_RETURN(crypto::SigningKey root_key,
                          crypto::ReadSigningKeyFile(paths.RootKey()));
  TOCSIN_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, Ed25519PrivateKey(root_key.seed()));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, LoadCertificate(paths.RootCertificate()));
  if (X509_check_private_key(root.get(), key.get()) != 1) {
    crypto::TakeOpenSslErrors();
    return MakeError(ErrorCode::kInvalidArgument,
                     paths.RootKey() + " does not match " + paths.RootCertificate());
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr crl, LoadCrlState(paths, root.get()));
  return CertificateAuthority(std::move(paths), std::move(config), clock,
                              std::move(key), std::move(root), std::move(crl));
}

Result<std::vector<std::pair<Purpose, crypto::X509Ptr>>> CertificateAuthority::Issue(
    const EnrollRequest& request, const PrincipalKeys& keys, const std::string& out_dir) {
  TOCSIN_RETURN_IF_ERROR(CheckRequest(request, config_));
  if ((request.role == Role::kGateway) != keys.log.has_value()) {
    return MakeError(ErrorCode::kInvalidArgument, "a gateway, and only a gateway, has a log key");
  }
  std::string published = paths_.Principal(request.principal_id);
  Result<crypto::X509Ptr> existing = LoadCertificate(published + "/signing.crt");
  if (existing &&
      !CrlListsSerial(crl_.get(), SerialHex(X509_get0_serialNumber(existing->get())))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     request.principal_id + " is already enrolled and not revoked");
  }
  if (!IsEmptyOrMissing(out_dir)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     out_dir + " exists and is not empty; refusing to overwrite keys or "
                               "certificates there");
  }
  UnixMillis now = clock_->NowMillis();
  int days = request.validity_days > 0 ? request.validity_days : config_.leaf_validity_days;
  LeafSpec spec{config_.organization, request.principal_id, request.role,
                request.sector, Purpose::kSigning, keys.signing,
                now - kClockSkew, now + days * kDay, request.channel};
  TOCSIN_RETURN_IF_ERROR(MakeDirectory(published, 0755));
  std::vector<std::pair<Purpose, crypto::X509Ptr>> issued;
  for (Purpose purpose : PurposesFor(request.role)) {
    spec.purpose = purpose;
    spec.public_key = purpose == Purpose::kSigning      ? keys.signing
                      : purpose == Purpose::kEncryption ? keys.encryption
                      : purpose == Purpose::kTransport  ? keys.transport
                                                        : *keys.log;
    TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr leaf,
                            BuildLeafCertificate(root_.get(), key_.get(), spec));
    std::string public_path = published + "/" + std::string(PurposeName(purpose)) + ".crt";
    TOCSIN_RETURN_IF_ERROR(WritePemCertificate(public_path, leaf.get(), Overwrite::kYes));
    issued.emplace_back(purpose, std::move(leaf));
  }
  return issued;
}

Result<std::vector<CertifiedKey>> CertificateAuthority::WriteIssued(
    const std::vector<std::pair<Purpose, crypto::X509Ptr>>& issued, const std::string& dir) {
  BundlePaths bundle(dir);
  std::vector<CertifiedKey> out;
  for (const auto& [purpose, leaf] : issued) {
    TOCSIN_RETURN_IF_ERROR(WritePemCertificate(bundle.Certificate(purpose), leaf.get(),
                                               Overwrite::kNo));
    TOCSIN_ASSIGN_OR_RETURN(CertifiedKey certified, ReadCertifiedKey(leaf.get()));
    out.push_back(std::move(certified));
  }
  TOCSIN_RETURN_IF_ERROR(WritePemCertificate(bundle.RootCertificate(), root_.get(),
                                             Overwrite::kNo));
  return out;
}

Result<std::vector<CertifiedKey>> CertificateAuthority::Enroll(
    const EnrollRequest& request, const std::string& bundle_dir) {
  TOCSIN_ASSIGN_OR_RETURN(PrincipalKeyPairs keys, PrincipalKeyPairs::Generate(request.role));
  TOCSIN_ASSIGN_OR_RETURN(auto issued, Issue(request, keys.Public(), bundle_dir));
  TOCSIN_RETURN_IF_ERROR(keys.WriteInto(bundle_dir));
  TOCSIN_ASSIGN_OR_RETURN(std::vector<CertifiedKey> out, WriteIssued(issued, bundle_dir));
  TOCSIN_RETURN_IF_ERROR(WriteText(BundlePaths(bundle_dir).Manifest(), PrincipalManifest(request),
                                   0600, Overwrite::kNo));
  return out;
}

Result<std::vector<CertifiedKey>> CertificateAuthority::Certify(const EnrollRequest& request,
                                                                const PrincipalKeys& keys,
                                                                const std::string& out_dir) {
  TOCSIN_ASSIGN_OR_RETURN(auto issued, Issue(request, keys, out_dir));
  TOCSIN_RETURN_IF_ERROR(MakeDirectory(out_dir, 0755));
  TOCSIN_ASSIGN_OR_RETURN(std::vector<CertifiedKey> out, WriteIssued(issued, out_dir));
  TOCSIN_ASSIGN_OR_RETURN(std::string crl, CrlToPem(crl_.get()));
  TOCSIN_RETURN_IF_ERROR(WriteText(out_dir + "/crl.pem", crl, 0644, Overwrite::kNo));
  return out;
}

Result<int> CertificateAuthority::Revoke(const std::string& principal_id) {
  TOCSIN_RETURN_IF_ERROR(ValidatePrincipalId(principal_id));
  std::vector<std::string> fresh;
  for (Purpose purpose : kKnownPurposes) {
    std::string path = paths_.Principal(principal_id) + "/" +
                       std::string(PurposeName(purpose)) + ".crt";
    if (purpose == Purpose::kLog && !fs::exists(path)) {
      continue;  // only gateways hold one
    }
    Result<crypto::X509Ptr> certificate = LoadCertificate(path);
    if (!certificate) {
      return MakeError(ErrorCode::kNotFound,
                       principal_id + " is not enrolled (" +
                           certificate.error().context + ")");
    }
    std::string serial = SerialHex(X509_get0_serialNumber(certificate->get()));
    if (!CrlListsSerial(crl_.get(), serial)) {
      fresh.push_back(serial);
    }
  }
  TOCSIN_RETURN_IF_ERROR(WriteCrl(fresh));
  return static_cast<int>(fresh.size());
}

Status CertificateAuthority::ReissueCrl() { return WriteCrl({}); }

Status CertificateAuthority::SetSignatureRule(const SignatureRule& rule) {
  CaConfig changed = config_;
  changed.signatures = rule;
  TOCSIN_RETURN_IF_ERROR(ValidateCaConfig(changed));
  TOCSIN_RETURN_IF_ERROR(WriteText(paths_.Config(), RenderCaConfig(changed), 0600, Overwrite::kYes));
  config_ = std::move(changed);
  return WriteCrl({});
}

Result<FreshnessSigner> CertificateAuthority::DelegateFreshness(const std::string& out_dir,
                                                                int days) {
  if (config_.freshness_crl_validity_days == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "delegating CRL freshness only helps with long-lived CRLs: set "
                     "freshness_crl_validity_days (2 to 31) in " + paths_.Config() + " first");
  }
  if (days < 1 || days > 397) {
    return MakeError(ErrorCode::kInvalidArgument, "validity must be 1 to 397 days");
  }
  if (!IsEmptyOrMissing(out_dir)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     out_dir + " exists and is not empty; refusing to overwrite keys there");
  }
  // One signer at a time: every earlier key can vouch no more.
  TOCSIN_ASSIGN_OR_RETURN(std::vector<std::string> issued, FreshnessSerials());
  std::vector<std::string> superseded;
  for (const std::string& serial : issued) {
    if (!CrlListsSerial(crl_.get(), serial)) {
      superseded.push_back(serial);
    }
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::SigningKey key, crypto::SigningKey::Generate());
  UnixMillis now = clock_->NowMillis();
  TOCSIN_ASSIGN_OR_RETURN(
      crypto::X509Ptr certificate,
      BuildFreshnessSignerCertificate(root_.get(), key_.get(), config_.organization,
                                      key.public_key(), now - kClockSkew, now + days * kDay));
  // Recorded before anything is published, so that no signer escapes the record.
  std::string record;
  for (const std::string& serial : issued) {
    record += serial + "\n";
  }
  record += SerialHex(X509_get0_serialNumber(certificate.get())) + "\n";
  TOCSIN_RETURN_IF_ERROR(WriteText(paths_.FreshnessRecord(), record, 0600, Overwrite::kYes));
  BundlePaths out(out_dir);
  TOCSIN_RETURN_IF_ERROR(MakeDirectory(out_dir, 0700));
  TOCSIN_RETURN_IF_ERROR(crypto::WriteSigningKeyFile(out.Key(Purpose::kCrlFreshness), key));
  TOCSIN_RETURN_IF_ERROR(WritePemCertificate(out.Certificate(Purpose::kCrlFreshness),
                                             certificate.get(), Overwrite::kNo));
  TOCSIN_RETURN_IF_ERROR(WritePemCertificate(out.RootCertificate(), root_.get(), Overwrite::kNo));
  TOCSIN_RETURN_IF_ERROR(
      WritePemCertificate(paths_.FreshnessSigner(), certificate.get(), Overwrite::kYes));
  TOCSIN_RETURN_IF_ERROR(WriteCrl(superseded));
  return ReadFreshnessSigner(certificate.get());
}

Status CertificateAuthority::RevokeFreshnessSigner() {
  TOCSIN_ASSIGN_OR_RETURN(std::vector<std::string> issued, FreshnessSerials());
  std::vector<std::string> fresh;
  for (const std::string& serial : issued) {
    if (!CrlListsSerial(crl_.get(), serial)) {
      fresh.push_back(serial);
    }
  }
  if (fresh.empty()) {
    return MakeError(ErrorCode::kNotFound, "no CRL freshness signer is delegated and unrevoked (" +
                                               paths_.FreshnessRecord() + ")");
  }
  TOCSIN_RETURN_IF_ERROR(WriteCrl(fresh));
  std::error_code error;
  fs::remove(paths_.FreshnessSigner(), error);
  if (error) {
    return MakeError(ErrorCode::kIoError, "revoked, but cannot remove " +
                                              paths_.FreshnessSigner() + ": " + error.message());
  }
  return {};
}

Result<std::vector<std::string>> CertificateAuthority::FreshnessSerials() const {
  std::vector<std::string> serials;
  std::error_code error;
  if (fs::exists(paths_.FreshnessRecord(), error)) {
    TOCSIN_ASSIGN_OR_RETURN(Bytes text, ReadFile(paths_.FreshnessRecord(), kMaxPemFileSize));
    std::string line;
    for (std::uint8_t c : text) {
      if (c == '\n') {
        if (!line.empty()) {
          serials.push_back(line);
        }
        line.clear();
      } else {
        line += static_cast<char>(c);
      }
    }
  }
  if (Result<crypto::X509Ptr> published = LoadCertificate(paths_.FreshnessSigner())) {
    std::string serial = SerialHex(X509_get0_serialNumber(published->get()));
    if (std::find(serials.begin(), serials.end(), serial) == serials.end()) {
      serials.push_back(serial);
    }
  }
  return serials;
}

UnixMillis CertificateAuthority::CrlLifetime(const std::vector<RevokedSerial>& revoked) const {
  UnixMillis daily = config_.crl_validity_hours * 3600LL * 1000;
  UnixMillis longer = config_.freshness_crl_validity_days * kDay;
  if (config_.freshness_crl_validity_days == 0) {
    return daily;
  }
  // Long-lived only while the latest signer, issued by this root, is
  // unrevoked and valid for the CRL's whole life: else nobody could vouch
  // for it after its first day.
  Result<crypto::X509Ptr> signer = LoadCertificate(paths_.FreshnessSigner());
  Result<std::vector<std::string>> issued = FreshnessSerials();
  if (!signer || !issued || issued->empty() ||
      X509_check_issued(root_.get(), signer->get()) != X509_V_OK) {
    return daily;
  }
  std::string serial = SerialHex(X509_get0_serialNumber(signer->get()));
  Result<UnixMillis> not_after = Asn1TimeToMillis(X509_get0_notAfter(signer->get()));
  if (serial != issued->back() || !not_after || *not_after < clock_->NowMillis() + longer) {
    return daily;
  }
  for (const RevokedSerial& entry : revoked) {
    if (entry.serial_hex == serial) {
      return daily;
    }
  }
  return longer;
}

Status CertificateAuthority::WriteCrl(const std::vector<std::string>& new_serials) {
  UnixMillis now = clock_->NowMillis();
  long number = ReadCrlNumber(crl_.get());
  if (number < 1 || number >= std::numeric_limits<long>::max()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     paths_.CrlRecord() + " has an unusable CRL number " + std::to_string(number));
  }
  long next_number = number + 1;
  std::vector<RevokedSerial> revoked = ReadRevokedSerials(crl_.get());
  for (const std::string& serial : new_serials) {
    revoked.push_back({serial, now});
  }
  TOCSIN_ASSIGN_OR_RETURN(
      crypto::X509CrlPtr crl,
      BuildCrl(root_.get(), key_.get(), revoked, next_number, now, now + CrlLifetime(revoked),
               config_.signatures, config_.legacy_rule_arc));
  TOCSIN_ASSIGN_OR_RETURN(std::string pem, CrlToPem(crl.get()));
  TOCSIN_RETURN_IF_ERROR(WriteText(paths_.CrlRecord(), pem, 0600, Overwrite::kYes));
  TOCSIN_RETURN_IF_ERROR(WriteText(paths_.Crl(), pem, 0644, Overwrite::kYes));
  crl_ = std::move(crl);
  return {};
}

Result<CertificateAuthority::CrlInfo> CertificateAuthority::Crl() const {
  CrlInfo info;
  info.number = ReadCrlNumber(crl_.get());
  TOCSIN_ASSIGN_OR_RETURN(info.this_update, Asn1TimeToMillis(X509_CRL_get0_lastUpdate(crl_.get())));
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl_.get());
  if (next == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, paths_.CrlRecord() + " has no next update");
  }
  TOCSIN_ASSIGN_OR_RETURN(info.next_update, Asn1TimeToMillis(next));
  TOCSIN_ASSIGN_OR_RETURN(info.signature_rule, ReadSignatureRule(crl_.get()));
  return info;
}

Result<std::vector<PrincipalRecord>> CertificateAuthority::List() const {
  std::vector<PrincipalRecord> out;
  std::error_code error;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(paths_.Public() + "/principals", error)) {
    TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr certificate,
                            LoadCertificate(entry.path().string() + "/signing.crt"));
    TOCSIN_ASSIGN_OR_RETURN(CertifiedKey key, ReadCertifiedKey(certificate.get()));
    PrincipalRecord record{key.principal_id, key.role, key.sector, key.channel, key.serial_hex,
                           key.not_after, PrincipalRecord::State::kActive, key.arc};
    if (CrlListsSerial(crl_.get(), key.serial_hex)) {
      record.state = PrincipalRecord::State::kRevoked;
    } else if (key.not_after < clock_->NowMillis()) {
      record.state = PrincipalRecord::State::kExpired;
    }
    out.push_back(std::move(record));
  }
  if (error) {
    return MakeError(ErrorCode::kIoError, "cannot list principals: " + error.message());
  }
  std::sort(out.begin(), out.end(), [](const PrincipalRecord& a, const PrincipalRecord& b) {
    return a.principal_id < b.principal_id;
  });
  return out;
}

}  // namespace tocsin::pki
