#include "pki/certificate.h"

#include <ctime>
#include <span>
#include <tuple>
#include <utility>

#include <openssl/pem.h>

#include "common/file_util.h"

namespace tocsin::pki {
namespace {

using crypto::TakeOpenSslErrors;

tl::unexpected<Error> Untrusted(const std::string& what) {
  return MakeError(ErrorCode::kUntrustedCertificate, what);
}

// Returns the single value of `nid` in `name`, or nullopt when absent or
// repeated.
std::optional<std::string> SingleEntry(X509_NAME* name, int nid) {
  int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(name, nid, index) >= 0) {
    return std::nullopt;
  }
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) {
    return std::nullopt;
  }
  std::string value(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return value;
}

// The Tocsin purpose `oid` names, under either arc (docs/pki.md).
std::optional<std::pair<Purpose, Arc>> PurposeOfOid(std::string_view oid,
                                                    std::span<const Purpose> purposes) {
  for (Arc arc : {Arc::kCurrent, Arc::kLegacy}) {
    for (Purpose purpose : purposes) {
      if (oid == PurposeOid(purpose, arc)) {
        return std::make_pair(purpose, arc);
      }
    }
  }
  return std::nullopt;
}

std::string OidText(const ASN1_OBJECT* object) {
  char oid[128] = {};
  return OBJ_obj2txt(oid, sizeof(oid), object, 1) > 0 ? std::string(oid) : std::string();
}

Result<std::pair<Purpose, Arc>> ReadPurpose(X509* certificate) {
  crypto::ExtendedKeyUsagePtr usages(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(certificate, NID_ext_key_usage, nullptr, nullptr)));
  if (!usages) {
    return Untrusted("certificate has no extended key usage");
  }
  std::optional<std::pair<Purpose, Arc>> found;
  for (int i = 0; i < sk_ASN1_OBJECT_num(usages.get()); ++i) {
    // Every Tocsin usage counts, the freshness signer's too: a principal's
    // certificate naming it beside its own is refused, not read as its own.
    constexpr Purpose kEveryUsage[] = {Purpose::kSigning, Purpose::kEncryption, Purpose::kTransport,
                                       Purpose::kLog, Purpose::kCrlFreshness};
    auto named = PurposeOfOid(OidText(sk_ASN1_OBJECT_value(usages.get(), i)), kEveryUsage);
    if (!named) {
      continue;
    }
    if (found) {  // two purposes, or one under both arcs
      return Untrusted("certificate names more than one Tocsin purpose");
    }
    found = named;
  }
  if (!found) {
    return Untrusted("certificate names no Tocsin key purpose");
  }
  return *found;
}

Result<crypto::PublicKey> ReadPublicKey(X509* certificate, Purpose purpose) {
  EVP_PKEY* key = X509_get0_pubkey(certificate);
  int expected = SignsWith(purpose) ? EVP_PKEY_ED25519 : EVP_PKEY_X25519;
  if (key == nullptr || EVP_PKEY_get_base_id(key) != expected) {
    return Untrusted(std::string(PurposeName(purpose)) +
                     " certificate must carry an " + OBJ_nid2sn(expected) + " key");
  }
  crypto::PublicKey raw{};
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 ||
      length != raw.size()) {
    return Untrusted("cannot read the certificate's public key");
  }
  return raw;
}

Status ReadSubject(X509* certificate, CertifiedKey& out) {
  X509_NAME* subject = X509_get_subject_name(certificate);
  std::optional<std::string> id = SingleEntry(subject, NID_commonName);
  std::optional<std::string> role = SingleEntry(subject, NID_organizationalUnitName);
  if (!id || !role) {
    return Untrusted("certificate subject needs exactly one CN and one OU");
  }
  Status valid_id = ValidatePrincipalId(*id);
  if (!valid_id) {
    return Untrusted("certificate subject: " + valid_id.error().context);
  }
  std::optional<Role> parsed_role = ParseRole(*role);
  if (!parsed_role) {
    return Untrusted("certificate subject has unknown role '" + *role + "'");
  }
  out.principal_id = *id;
  out.role = *parsed_role;
  // businessCategory is an agency's sector or a bridge's channel; no other
  // role has one.
  std::optional<std::string> scope = SingleEntry(subject, NID_businessCategory);
  if ((out.role == Role::kAgency || out.role == Role::kBridge) != scope.has_value()) {
    return Untrusted("an agency certificate carries a sector and a bridge certificate a "
                     "channel (businessCategory); no other certificate has one");
  }
  if (out.role == Role::kAgency) {
    out.sector = std::move(scope);
  } else if (out.role == Role::kBridge) {
    if (!IsBridgeChannel(*scope)) {
      return Untrusted("bridge certificate names unknown channel '" + *scope + "'");
    }
    out.channel = std::move(scope);
  }
  return {};
}

}  // namespace

Result<crypto::X509Ptr> ParseCertificatePem(ByteView pem, const std::string& origin) {
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  crypto::X509Ptr certificate(
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!certificate) {
    return MakeError(ErrorCode::kInvalidArgument,
                     origin + " is not a PEM certificate (" + TakeOpenSslErrors() + ")");
  }
  return certificate;
}

Result<crypto::X509Ptr> LoadCertificate(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes pem, ReadFile(path, kMaxPemFileSize));
  return ParseCertificatePem(pem, path);
}

Result<crypto::X509CrlPtr> ParseCrlPem(ByteView pem, const std::string& origin) {
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  crypto::X509CrlPtr crl(
      bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!crl) {
    return MakeError(ErrorCode::kInvalidArgument,
                     origin + " is not a PEM CRL (" + TakeOpenSslErrors() + ")");
  }
  return crl;
}

Result<crypto::X509CrlPtr> LoadCrl(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(Bytes pem, ReadFile(path, kMaxPemFileSize));
  return ParseCrlPem(pem, path);
}

namespace {

template <typename Writer>
Result<std::string> WritePem(Writer write) {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) {
    return MakeError(ErrorCode::kInternal, "PEM encoding failed: " + TakeOpenSslErrors());
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace

Result<std::string> CertificateToPem(X509* certificate) {
  return WritePem([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate); });
}

Result<std::string> CrlToPem(X509_CRL* crl) {
  return WritePem([&](BIO* bio) { return PEM_write_bio_X509_CRL(bio, crl); });
}

namespace {

template <typename T>
Result<Bytes> ToDer(T* object, int (*encode)(const T*, unsigned char**)) {
  int length = encode(object, nullptr);
  if (length <= 0) {
    return MakeError(ErrorCode::kInternal, "DER encoding failed");
  }
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  encode(object, &cursor);
  return der;
}

}  // namespace

Result<Bytes> CertificateToDer(X509* certificate) { return ToDer(certificate, &i2d_X509); }

Result<Bytes> CrlToDer(X509_CRL* crl) { return ToDer(crl, &i2d_X509_CRL); }

Result<crypto::X509CrlPtr> ParseCrlDer(ByteView der, const std::string& origin) {
  const unsigned char* cursor = der.data();
  crypto::X509CrlPtr crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size())));
  if (!crl || cursor != der.data() + der.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     origin + " is not one DER CRL (" + TakeOpenSslErrors() + ")");
  }
  Result<Bytes> again = CrlToDer(crl.get());
  if (!again || !std::equal(again->begin(), again->end(), der.begin(), der.end())) {
    return MakeError(ErrorCode::kInvalidArgument, origin + " is not a CRL's one DER encoding");
  }
  return crl;
}

Result<CertifiedKey> ReadCertifiedKey(X509* certificate) {
  CertifiedKey out;
  TOCSIN_RETURN_IF_ERROR(ReadSubject(certificate, out));
  TOCSIN_ASSIGN_OR_RETURN(auto purpose, ReadPurpose(certificate));
  std::tie(out.purpose, out.arc) = purpose;
  TOCSIN_ASSIGN_OR_RETURN(out.public_key, ReadPublicKey(certificate, out.purpose));
  out.serial_hex = SerialHex(X509_get0_serialNumber(certificate));
  TOCSIN_ASSIGN_OR_RETURN(out.not_before, Asn1TimeToMillis(X509_get0_notBefore(certificate)));
  TOCSIN_ASSIGN_OR_RETURN(out.not_after, Asn1TimeToMillis(X509_get0_notAfter(certificate)));
  return out;
}

Result<FreshnessSigner> ReadFreshnessSigner(X509* certificate) {
  X509_NAME* subject = X509_get_subject_name(certificate);
  if (SingleEntry(subject, NID_commonName) != std::string(kFreshnessSignerName) ||
      SingleEntry(subject, NID_organizationalUnitName) != std::string(kFreshnessSignerName)) {
    return Untrusted("a CRL freshness signer certificate has CN and OU 'crl-freshness'");
  }
  crypto::ExtendedKeyUsagePtr usages(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(certificate, NID_ext_key_usage, nullptr, nullptr)));
  constexpr Purpose kFreshnessOnly[] = {Purpose::kCrlFreshness};
  if (!usages || sk_ASN1_OBJECT_num(usages.get()) != 1 ||
      !PurposeOfOid(OidText(sk_ASN1_OBJECT_value(usages.get(), 0)), kFreshnessOnly)) {
    return Untrusted("a CRL freshness signer certificate names exactly one extended key "
                     "usage, the crl-freshness purpose");
  }
  FreshnessSigner out;
  TOCSIN_ASSIGN_OR_RETURN(out.public_key, ReadPublicKey(certificate, Purpose::kCrlFreshness));
  out.serial_hex = SerialHex(X509_get0_serialNumber(certificate));
  TOCSIN_ASSIGN_OR_RETURN(out.not_before, Asn1TimeToMillis(X509_get0_notBefore(certificate)));
  TOCSIN_ASSIGN_OR_RETURN(out.not_after, Asn1TimeToMillis(X509_get0_notAfter(certificate)));
  return out;
}

std::string SerialHex(const ASN1_INTEGER* serial) {
  crypto::BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
  char* hex = number ? BN_bn2hex(number.get()) : nullptr;
  if (hex == nullptr) {
    return "?";
  }
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

bool CrlListsSerial(X509_CRL* crl, std::string_view serial_hex) {
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    const X509_REVOKED* entry = sk_X509_REVOKED_value(revoked, i);
    if (SerialHex(X509_REVOKED_get0_serialNumber(entry)) == serial_hex) {
      return true;
    }
  }
  return false;
}

Result<UnixMillis> Asn1TimeToMillis(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    return Untrusted("malformed certificate time");
  }
  return static_cast<UnixMillis>(timegm(&parts)) * 1000;
}

}  // namespace tocsin::pki
