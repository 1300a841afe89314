#include "pki/bundle.h"

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

}  // namespace tocsin::pki
