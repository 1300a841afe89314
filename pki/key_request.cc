#include "pki/key_request.h"

#include <array>
#include <filesystem>

#include "common/config_reader.h"
#include "common/file_util.h"
#include "crypto/hash.h"
#include "crypto/key_agreement.h"
#include "crypto/key_file.h"
#include "crypto/signing.h"
#include "pki/bundle.h"
#include "pki/certificate.h"
#include "pki/verifier.h"

namespace tocsin::pki {
namespace {

void AppendField(Bytes& out, std::string_view text) {
  out.push_back(static_cast<std::uint8_t>(text.size()));  // ids and names are at most 64 bytes
  Append(out, AsBytes(text));
}

void AppendKey(Bytes& out, const std::optional<crypto::PublicKey>& key) {
  out.push_back(key ? 1 : 0);
  if (key) {
    Append(out, *key);
  }
}

// The key a certificate in `certs_dir` certifies, checked as InstallCertificates says.
Status CheckIssued(const CertificateVerifier& verifier, const std::string& path, Purpose purpose,
                   const std::string& principal, const crypto::PublicKey& own, UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr certificate, LoadCertificate(path));
  Result<CertifiedKey> key = verifier.Verify(certificate.get(), purpose, now);
  if (!key) {
    return WithContext(key.error(), path);
  }
  if (key->principal_id != principal || key->public_key != own) {
    return MakeError(ErrorCode::kPermissionDenied,
                     path + " certifies " + key->principal_id + "'s key " +
                         HexEncode(key->public_key).substr(0, 16) + "…, not this bundle's");
  }
  return {};
}

}  // namespace

Bytes KeyRequestSignedBytes(const KeyRequest& r) {
  Bytes out;
  AppendField(out, r.who.principal_id);
  AppendField(out, RoleName(r.who.role));
  AppendField(out, r.who.sector.value_or(""));
  AppendField(out, r.who.channel.value_or(""));
  Append(out, r.keys.signing);
  Append(out, r.keys.encryption);
  Append(out, r.keys.transport);
  AppendKey(out, r.keys.log);
  return out;
}

std::string KeyRequestFingerprint(const KeyRequest& request) {
  std::string hex = HexEncode(crypto::Sha256(KeyRequestSignedBytes(request))).substr(0, 32);
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 4) {
    out += (i ? " " : "") + hex.substr(i, 4);
  }
  return out;
}

Result<KeyRequest> GenerateKeyRequest(const EnrollRequest& who, const std::string& bundle_dir,
                                      const std::string& root_certificate) {
  TOCSIN_RETURN_IF_ERROR(ValidatePrincipalId(who.principal_id));
  std::error_code error;
  if (std::filesystem::exists(bundle_dir, error) && !std::filesystem::is_empty(bundle_dir, error)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     bundle_dir + " exists and is not empty; refusing to overwrite keys");
  }
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, LoadCertificate(root_certificate));
  TOCSIN_ASSIGN_OR_RETURN(PrincipalKeyPairs keys, PrincipalKeyPairs::Generate(who.role));
  KeyRequest request;
  request.who = who;
  request.keys = keys.Public();
  Bytes signed_bytes = KeyRequestSignedBytes(request);
  request.by_signing = keys.signing.Sign(kKeyRequestContext, signed_bytes);
  if (keys.log) {
    request.by_log = keys.log->Sign(kKeyRequestContext, signed_bytes);
  }
  TOCSIN_RETURN_IF_ERROR(keys.WriteInto(bundle_dir));
  BundlePaths bundle(bundle_dir);
  TOCSIN_ASSIGN_OR_RETURN(std::string root_pem, CertificateToPem(root.get()));
  TOCSIN_RETURN_IF_ERROR(WriteFileDurably(bundle.RootCertificate(), AsBytes(root_pem), 0644,
                                          Overwrite::kNo));
  TOCSIN_RETURN_IF_ERROR(WriteFileDurably(bundle.Manifest(), AsBytes(PrincipalManifest(who)), 0600,
                                          Overwrite::kNo));
  return request;
}

std::string RenderKeyRequest(const KeyRequest& r) {
  std::string text =
      "# A Tocsin key request: public keys only. Hand it to the CA's custodian\n"
      "# and read them the fingerprint below over another channel.\n"
      "# fingerprint: " + KeyRequestFingerprint(r) + "\n";
  text += "format = \"tocsin-key-request/1\"\n";
  text += "id = \"" + r.who.principal_id + "\"\n";
  text += "role = \"" + std::string(RoleName(r.who.role)) + "\"\n";
  if (r.who.sector) {
    text += "sector = \"" + *r.who.sector + "\"\n";
  }
  if (r.who.channel) {
    text += "channel = \"" + *r.who.channel + "\"\n";
  }
  text += "signing_key = \"" + HexEncode(r.keys.signing) + "\"\n";
  text += "encryption_key = \"" + HexEncode(r.keys.encryption) + "\"\n";
  text += "transport_key = \"" + HexEncode(r.keys.transport) + "\"\n";
  if (r.keys.log) {
    text += "log_key = \"" + HexEncode(*r.keys.log) + "\"\n";
  }
  text += "signed_by_signing_key = \"" + HexEncode(r.by_signing) + "\"\n";
  if (r.by_log) {
    text += "signed_by_log_key = \"" + HexEncode(*r.by_log) + "\"\n";
  }
  return text;
}

Result<KeyRequest> LoadKeyRequest(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(ConfigReader reader, ConfigReader::Open(path));
  TOCSIN_ASSIGN_OR_RETURN(std::string format, reader.String("format"));
  if (format != "tocsin-key-request/1") {
    return MakeError(ErrorCode::kInvalidArgument, path + ": not a tocsin-key-request/1 file");
  }
  KeyRequest r;
  TOCSIN_ASSIGN_OR_RETURN(r.who.principal_id, reader.String("id"));
  TOCSIN_RETURN_IF_ERROR(ValidatePrincipalId(r.who.principal_id));
  TOCSIN_ASSIGN_OR_RETURN(std::string role, reader.String("role"));
  std::optional<Role> parsed = ParseRole(role);
  if (!parsed) {
    return MakeError(ErrorCode::kInvalidArgument, path + ": unknown role '" + role + "'");
  }
  r.who.role = *parsed;
  TOCSIN_ASSIGN_OR_RETURN(std::string sector, reader.StringOr("sector", ""));
  TOCSIN_ASSIGN_OR_RETURN(std::string channel, reader.StringOr("channel", ""));
  if (!sector.empty()) {
    r.who.sector = sector;
  }
  if (!channel.empty()) {
    r.who.channel = channel;
  }
  TOCSIN_ASSIGN_OR_RETURN(r.keys.signing, ReadHexField<crypto::kPublicKeySize>(reader, "signing_key"));
  TOCSIN_ASSIGN_OR_RETURN(r.keys.encryption, ReadHexField<crypto::kPublicKeySize>(reader, "encryption_key"));
  TOCSIN_ASSIGN_OR_RETURN(r.keys.transport, ReadHexField<crypto::kPublicKeySize>(reader, "transport_key"));
  TOCSIN_ASSIGN_OR_RETURN(r.by_signing, ReadHexField<crypto::kSignatureSize>(reader, "signed_by_signing_key"));
  if (r.who.role == Role::kGateway) {
    TOCSIN_ASSIGN_OR_RETURN(r.keys.log, ReadHexField<crypto::kPublicKeySize>(reader, "log_key"));
    TOCSIN_ASSIGN_OR_RETURN(r.by_log, ReadHexField<crypto::kSignatureSize>(reader, "signed_by_log_key"));
  }
  TOCSIN_RETURN_IF_ERROR(reader.RejectUnknown());
  Bytes signed_bytes = KeyRequestSignedBytes(r);
  Status signed_ok = crypto::VerifySignature(r.keys.signing, kKeyRequestContext, signed_bytes,
                                             r.by_signing);
  if (!signed_ok) {
    return WithContext(signed_ok.error(), path + ": the signing key's proof of possession");
  }
  if (r.keys.log) {
    Status log_ok = crypto::VerifySignature(*r.keys.log, kKeyRequestContext, signed_bytes, *r.by_log);
    if (!log_ok) {
      return WithContext(log_ok.error(), path + ": the log key's proof of possession");
    }
  }
  return r;
}

Status InstallCertificates(const std::string& bundle_dir, const std::string& certs_dir,
                           UnixMillis now) {
  BundlePaths bundle(bundle_dir);
  BundlePaths certs(certs_dir);
  TOCSIN_ASSIGN_OR_RETURN(ConfigReader manifest, ConfigReader::Open(bundle.Manifest()));
  TOCSIN_ASSIGN_OR_RETURN(std::string id, manifest.String("id"));
  TOCSIN_ASSIGN_OR_RETURN(std::string role_name, manifest.String("role"));
  std::optional<Role> role = ParseRole(role_name);
  if (!role) {
    return MakeError(ErrorCode::kInvalidArgument, bundle.Manifest() + ": unknown role");
  }
  // The root the bundle pinned when its keys were made, never one sent along.
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, LoadCertificate(bundle.RootCertificate()));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509CrlPtr crl, LoadCrl(certs_dir + "/crl.pem"));
  TOCSIN_ASSIGN_OR_RETURN(CertificateVerifier verifier,
                          CertificateVerifier::Create(std::move(root), std::move(crl)));
  for (Purpose purpose : PurposesFor(*role)) {
    crypto::PublicKey own{};
    if (purpose == Purpose::kSigning || purpose == Purpose::kLog) {
      TOCSIN_ASSIGN_OR_RETURN(crypto::SigningKey key, crypto::ReadSigningKeyFile(bundle.Key(purpose)));
      own = key.public_key();
    } else {
      TOCSIN_ASSIGN_OR_RETURN(crypto::X25519KeyPair key, crypto::ReadX25519KeyFile(bundle.Key(purpose)));
      own = key.public_key();
    }
    TOCSIN_RETURN_IF_ERROR(
        CheckIssued(verifier, certs.Certificate(purpose), purpose, id, own, now));
  }
  for (Purpose purpose : PurposesFor(*role)) {  // all checked: now copy
    TOCSIN_ASSIGN_OR_RETURN(Bytes pem, ReadFile(certs.Certificate(purpose), 64 * 1024));
    TOCSIN_RETURN_IF_ERROR(
        WriteFileDurably(bundle.Certificate(purpose), pem, 0644, Overwrite::kNo));
  }
  return LoadBundle(bundle_dir).map([](PrincipalBundle&&) {});
}

}  // namespace tocsin::pki
