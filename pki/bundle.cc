#include "pki/bundle.h"

#include "common/file_util.h"
#include "crypto/key_file.h"
#include "pki/certificate.h"

namespace tocsin::pki {
namespace {

Status CheckKeyMatches(X509* certificate, const crypto::PublicKey& key,
                       const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(CertifiedKey certified, ReadCertifiedKey(certificate));
  if (certified.public_key != key) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + " does not match the key in its certificate");
  }
  return {};
}

Status LoadLogKey(const BundlePaths& paths, PrincipalBundle& bundle) {
  TOCSIN_ASSIGN_OR_RETURN(crypto::SigningKey key,
                          crypto::ReadSigningKeyFile(paths.Key(Purpose::kLog)));
  TOCSIN_ASSIGN_OR_RETURN(bundle.log_certificate,
                          LoadCertificate(paths.Certificate(Purpose::kLog)));
  TOCSIN_RETURN_IF_ERROR(CheckKeyMatches(bundle.log_certificate.get(), key.public_key(),
                                         paths.Key(Purpose::kLog)));
  bundle.log_signing.emplace(std::move(key));
  return {};
}

}  // namespace

Result<PrincipalBundle> LoadBundle(const std::string& dir) {
  BundlePaths paths(dir);
  TOCSIN_ASSIGN_OR_RETURN(crypto::SigningKey signing,
                          crypto::ReadSigningKeyFile(paths.Key(Purpose::kSigning)));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X25519KeyPair encryption,
                          crypto::ReadX25519KeyFile(paths.Key(Purpose::kEncryption)));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X25519KeyPair transport,
                          crypto::ReadX25519KeyFile(paths.Key(Purpose::kTransport)));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr signing_cert,
                          LoadCertificate(paths.Certificate(Purpose::kSigning)));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr encryption_cert,
                          LoadCertificate(paths.Certificate(Purpose::kEncryption)));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr transport_cert,
                          LoadCertificate(paths.Certificate(Purpose::kTransport)));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root, LoadCertificate(paths.RootCertificate()));
  TOCSIN_RETURN_IF_ERROR(CheckKeyMatches(signing_cert.get(), signing.public_key(),
                                         paths.Key(Purpose::kSigning)));
  TOCSIN_RETURN_IF_ERROR(CheckKeyMatches(encryption_cert.get(), encryption.public_key(),
                                         paths.Key(Purpose::kEncryption)));
  TOCSIN_RETURN_IF_ERROR(CheckKeyMatches(transport_cert.get(), transport.public_key(),
                                         paths.Key(Purpose::kTransport)));
  TOCSIN_ASSIGN_OR_RETURN(CertifiedKey identity, ReadCertifiedKey(signing_cert.get()));
  PrincipalBundle bundle{identity.principal_id,   identity.role,
                         identity.sector,         std::move(signing),
                         std::move(encryption),   std::move(transport),
                         std::move(signing_cert), std::move(encryption_cert),
                         std::move(transport_cert), std::move(root),
                         std::nullopt,            nullptr};
  if (identity.role == Role::kGateway) {
    TOCSIN_RETURN_IF_ERROR(LoadLogKey(paths, bundle));
  }
  return bundle;
}

Result<PrincipalKeyPairs> PrincipalKeyPairs::Generate(Role role) {
  TOCSIN_ASSIGN_OR_RETURN(crypto::SigningKey signing, crypto::SigningKey::Generate());
  TOCSIN_ASSIGN_OR_RETURN(crypto::X25519KeyPair encryption, crypto::X25519KeyPair::Generate());
  TOCSIN_ASSIGN_OR_RETURN(crypto::X25519KeyPair transport, crypto::X25519KeyPair::Generate());
  std::optional<crypto::SigningKey> log;  // gateways: checkpoints of the audit log
  if (role == Role::kGateway) {
    TOCSIN_ASSIGN_OR_RETURN(log, crypto::SigningKey::Generate());
  }
  return PrincipalKeyPairs{std::move(signing), std::move(encryption), std::move(transport),
                           std::move(log)};
}

PrincipalKeys PrincipalKeyPairs::Public() const {
  return {signing.public_key(), encryption.public_key(), transport.public_key(),
          log ? std::optional(log->public_key()) : std::nullopt};
}

Status PrincipalKeyPairs::WriteInto(const std::string& bundle_dir) const {
  BundlePaths bundle(bundle_dir);
  TOCSIN_RETURN_IF_ERROR(MakeDirectory(bundle_dir, 0700));
  TOCSIN_RETURN_IF_ERROR(crypto::WriteSigningKeyFile(bundle.Key(Purpose::kSigning), signing));
  TOCSIN_RETURN_IF_ERROR(crypto::WriteX25519KeyFile(bundle.Key(Purpose::kEncryption), encryption));
  TOCSIN_RETURN_IF_ERROR(crypto::WriteX25519KeyFile(bundle.Key(Purpose::kTransport), transport));
  if (log) {
    TOCSIN_RETURN_IF_ERROR(crypto::WriteSigningKeyFile(bundle.Key(Purpose::kLog), *log));
  }
  return {};
}

}  // namespace tocsin::pki
