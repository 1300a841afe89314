#include "pki/cert_builder.h"

#include "crypto/hash.h"
#include "pki/crl_signature_rule.h"
#include "pki/certificate.h"

namespace tocsin::pki {
namespace {

using crypto::TakeOpenSslErrors;

tl::unexpected<Error> OpenSslFailure(const std::string& what) {
  return MakeError(ErrorCode::kInternal, what + ": " + TakeOpenSslErrors());
}

Status AddNameEntry(X509_NAME* name, int nid, const std::string& value) {
  if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return OpenSslFailure(std::string("cannot add ") + OBJ_nid2sn(nid) + " '" +
                          value + "' to a name");
  }
  return {};
}

Result<crypto::X509NamePtr> OrganizationName(const std::string& organization) {
  crypto::X509NamePtr name(X509_NAME_new());
  if (!name) {
    return OpenSslFailure("X509_NAME_new");
  }
  TOCSIN_RETURN_IF_ERROR(AddNameEntry(name.get(), NID_organizationName, organization));
  return name;
}

Result<crypto::X509NamePtr> LeafName(const LeafSpec& spec) {
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509NamePtr name, OrganizationName(spec.organization));
  TOCSIN_RETURN_IF_ERROR(AddNameEntry(name.get(), NID_organizationalUnitName,
                                      std::string(RoleName(spec.role))));
  if (spec.sector || spec.channel) {  // a principal's scope: one or the other
    TOCSIN_RETURN_IF_ERROR(AddNameEntry(name.get(), NID_businessCategory,
                                        spec.sector ? *spec.sector : *spec.channel));
  }
  TOCSIN_RETURN_IF_ERROR(AddNameEntry(name.get(), NID_commonName, spec.principal_id));
  return name;
}

// A random positive 127-bit serial (RFC 5280 allows up to 20 octets).
Result<crypto::Asn1IntegerPtr> RandomSerial() {
  Bytes random = crypto::RandomBytes(16);
  random[0] = static_cast<std::uint8_t>((random[0] & 0x7F) | 0x40);
  crypto::BignumPtr number(BN_bin2bn(random.data(), static_cast<int>(random.size()), nullptr));
  crypto::Asn1IntegerPtr serial(number ? BN_to_ASN1_INTEGER(number.get(), nullptr) : nullptr);
  if (!serial) {
    return OpenSslFailure("cannot make a serial number");
  }
  return serial;
}

Status SetValidity(X509* certificate, UnixMillis not_before, UnixMillis not_after) {
  if (ASN1_TIME_set(X509_getm_notBefore(certificate),
                    static_cast<time_t>(not_before / 1000)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(certificate),
                    static_cast<time_t>(not_after / 1000)) == nullptr) {
    return OpenSslFailure("cannot set validity");
  }
  return {};
}

// Adds one extension written in OpenSSL's configuration syntax.
Status AddExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  crypto::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    return OpenSslFailure(std::string("cannot add ") + OBJ_nid2sn(nid) + "=" + value);
  }
  return {};
}

Status AddNameConstraint(X509* certificate, const std::string& organization) {
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509NamePtr name, OrganizationName(organization));
  NAME_CONSTRAINTS* constraints = NAME_CONSTRAINTS_new();
  GENERAL_SUBTREE* subtree = GENERAL_SUBTREE_new();
  bool ok = constraints != nullptr && subtree != nullptr;
  if (ok) {
    constraints->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
    subtree->base->type = GEN_DIRNAME;
    subtree->base->d.directoryName = name.release();
    ok = constraints->permittedSubtrees != nullptr &&
         sk_GENERAL_SUBTREE_push(constraints->permittedSubtrees, subtree) > 0;
  }
  if (ok) {
    subtree = nullptr;  // owned by `constraints` now
    ok = X509_add1_ext_i2d(certificate, NID_name_constraints, constraints, 1,
                           X509V3_ADD_DEFAULT) == 1;
  }
  GENERAL_SUBTREE_free(subtree);
  NAME_CONSTRAINTS_free(constraints);
  if (!ok) {
    return OpenSslFailure("cannot add the name constraint");
  }
  return {};
}

Status SignCertificate(X509* certificate, EVP_PKEY* key) {
  // Ed25519 takes no separate digest: OpenSSL wants a null EVP_MD.
  if (X509_sign(certificate, key, nullptr) <= 0) {
    return OpenSslFailure("cannot sign certificate");
  }
  return {};
}

Result<crypto::X509Ptr> NewCertificate(X509_NAME* subject, X509_NAME* issuer,
                                       EVP_PKEY* subject_key, UnixMillis not_before,
                                       UnixMillis not_after) {
  crypto::X509Ptr certificate(X509_new());
  TOCSIN_ASSIGN_OR_RETURN(crypto::Asn1IntegerPtr serial, RandomSerial());
  if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      X509_set_serialNumber(certificate.get(), serial.get()) != 1 ||
      X509_set_subject_name(certificate.get(), subject) != 1 ||
      X509_set_issuer_name(certificate.get(), issuer) != 1 ||
      X509_set_pubkey(certificate.get(), subject_key) != 1) {
    return OpenSslFailure("cannot fill in a certificate");
  }
  TOCSIN_RETURN_IF_ERROR(SetValidity(certificate.get(), not_before, not_after));
  return certificate;
}

}  // namespace

Result<crypto::EvpPkeyPtr> Ed25519PrivateKey(ByteView seed) {
  crypto::EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                      seed.data(), seed.size()));
  if (!key) {
    return OpenSslFailure("cannot load the Ed25519 key into OpenSSL");
  }
  return key;
}

Result<crypto::X509Ptr> BuildRootCertificate(EVP_PKEY* key,
                                             const std::string& organization,
                                             UnixMillis now) {
  constexpr UnixMillis kTenYears = 3653LL * 24 * 3600 * 1000;
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509NamePtr name, OrganizationName(organization));
  TOCSIN_RETURN_IF_ERROR(AddNameEntry(name.get(), NID_commonName, "Tocsin Root CA"));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr root,
                          NewCertificate(name.get(), name.get(), key,
                                         now - 5 * 60 * 1000, now + kTenYears));
  X509* cert = root.get();
  TOCSIN_RETURN_IF_ERROR(AddExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  TOCSIN_RETURN_IF_ERROR(AddExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign"));
  TOCSIN_RETURN_IF_ERROR(AddExtension(cert, cert, NID_subject_key_identifier, "hash"));
  TOCSIN_RETURN_IF_ERROR(AddExtension(cert, cert, NID_authority_key_identifier, "keyid:always"));
  TOCSIN_RETURN_IF_ERROR(AddNameConstraint(cert, organization));
  TOCSIN_RETURN_IF_ERROR(SignCertificate(cert, key));
  return root;
}

namespace {

// Issues `subject_key` under `subject` with the extensions every leaf carries.
Result<crypto::X509Ptr> IssueLeaf(X509* root, EVP_PKEY* root_key, X509_NAME* subject,
                                  EVP_PKEY* subject_key, Purpose purpose, UnixMillis not_before,
                                  UnixMillis not_after, Arc arc = Arc::kCurrent) {
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509Ptr leaf,
                          NewCertificate(subject, X509_get_subject_name(root), subject_key,
                                         not_before, not_after));
  X509* cert = leaf.get();
  const char* usage = SignsWith(purpose) ? "critical,digitalSignature" : "critical,keyAgreement";
  TOCSIN_RETURN_IF_ERROR(AddExtension(cert, root, NID_basic_constraints, "critical,CA:FALSE"));
  TOCSIN_RETURN_IF_ERROR(AddExtension(cert, root, NID_key_usage, usage));
  TOCSIN_RETURN_IF_ERROR(
      AddExtension(cert, root, NID_ext_key_usage, PurposeOid(purpose, arc).c_str()));
  TOCSIN_RETURN_IF_ERROR(AddExtension(cert, root, NID_subject_key_identifier, "hash"));
  TOCSIN_RETURN_IF_ERROR(AddExtension(cert, root, NID_authority_key_identifier, "keyid:always"));
  TOCSIN_RETURN_IF_ERROR(SignCertificate(cert, root_key));
  return leaf;
}

Result<crypto::EvpPkeyPtr> RawPublicKey(Purpose purpose, const crypto::PublicKey& key) {
  int type = SignsWith(purpose) ? EVP_PKEY_ED25519 : EVP_PKEY_X25519;
  // X25519 cannot sign a request: the CA sets the key directly (SECURITY.md 21).
  crypto::EvpPkeyPtr subject_key(
      EVP_PKEY_new_raw_public_key(type, nullptr, key.data(), key.size()));
  if (!subject_key) {
    return OpenSslFailure("cannot load the subject's public key");
  }
  return subject_key;
}

}  // namespace

Result<crypto::X509Ptr> BuildLeafCertificate(X509* root, EVP_PKEY* root_key,
                                             const LeafSpec& spec) {
  TOCSIN_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr subject_key,
                          RawPublicKey(spec.purpose, spec.public_key));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509NamePtr subject, LeafName(spec));
  return IssueLeaf(root, root_key, subject.get(), subject_key.get(), spec.purpose,
                   spec.not_before, spec.not_after, spec.arc);
}

Result<crypto::X509Ptr> BuildFreshnessSignerCertificate(X509* root, EVP_PKEY* root_key,
                                                        const std::string& organization,
                                                        const crypto::PublicKey& public_key,
                                                        UnixMillis not_before,
                                                        UnixMillis not_after) {
  TOCSIN_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr subject_key,
                          RawPublicKey(Purpose::kCrlFreshness, public_key));
  TOCSIN_ASSIGN_OR_RETURN(crypto::X509NamePtr subject, OrganizationName(organization));
  std::string name(kFreshnessSignerName);
  TOCSIN_RETURN_IF_ERROR(AddNameEntry(subject.get(), NID_organizationalUnitName, name));
  TOCSIN_RETURN_IF_ERROR(AddNameEntry(subject.get(), NID_commonName, name));
  return IssueLeaf(root, root_key, subject.get(), subject_key.get(), Purpose::kCrlFreshness,
                   not_before, not_after);
}

Result<crypto::X509CrlPtr> BuildCrl(X509* root, EVP_PKEY* root_key,
                                    const std::vector<RevokedSerial>& revoked,
                                    long number, UnixMillis this_update,
                                    UnixMillis next_update, const SignatureRule& rule,
                                    bool legacy_rule_arc) {
  crypto::X509CrlPtr crl(X509_CRL_new());
  crypto::Asn1TimePtr last(ASN1_TIME_set(nullptr, static_cast<time_t>(this_update / 1000)));
  crypto::Asn1TimePtr next(ASN1_TIME_set(nullptr, static_cast<time_t>(next_update / 1000)));
  if (!crl || !last || !next || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(root)) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return OpenSslFailure("cannot fill in the CRL");
  }
  for (const RevokedSerial& entry : revoked) {
    crypto::X509RevokedPtr item(X509_REVOKED_new());
    BIGNUM* raw = nullptr;
    BN_hex2bn(&raw, entry.serial_hex.c_str());
    crypto::BignumPtr number_bn(raw);
    crypto::Asn1IntegerPtr serial(number_bn ? BN_to_ASN1_INTEGER(number_bn.get(), nullptr) : nullptr);
    crypto::Asn1TimePtr when(ASN1_TIME_set(nullptr, static_cast<time_t>(entry.revoked_at / 1000)));
    if (!item || !serial || !when ||
        X509_REVOKED_set_serialNumber(item.get(), serial.get()) != 1 ||
        X509_REVOKED_set_revocationDate(item.get(), when.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), item.get()) != 1) {
      return OpenSslFailure("cannot add serial " + entry.serial_hex + " to the CRL");
    }
    item.release();  // owned by the CRL
  }
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, root, nullptr, nullptr, crl.get(), 0);
  crypto::X509ExtensionPtr akid(X509V3_EXT_conf_nid(nullptr, &context,
                                                    NID_authority_key_identifier,
                                                    "keyid:always"));
  crypto::Asn1IntegerPtr crl_number(ASN1_INTEGER_new());
  if (!akid || !crl_number || X509_CRL_add_ext(crl.get(), akid.get(), -1) != 1 ||
      ASN1_INTEGER_set(crl_number.get(), number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crl_number.get(), 0, 0) != 1) {
    return OpenSslFailure("cannot finish the CRL");
  }
  TOCSIN_RETURN_IF_ERROR(AddSignatureRule(crl.get(), rule, Arc::kCurrent));
  if (legacy_rule_arc) {
    TOCSIN_RETURN_IF_ERROR(AddSignatureRule(crl.get(), rule, Arc::kLegacy));
  }
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), root_key, nullptr) <= 0) {
    return OpenSslFailure("cannot finish the CRL");
  }
  return crl;
}

std::vector<RevokedSerial> ReadRevokedSerials(X509_CRL* crl) {
  std::vector<RevokedSerial> out;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    const X509_REVOKED* entry = sk_X509_REVOKED_value(revoked, i);
    Result<UnixMillis> when = Asn1TimeToMillis(X509_REVOKED_get0_revocationDate(entry));
    out.push_back({SerialHex(X509_REVOKED_get0_serialNumber(entry)), when ? *when : 0});
  }
  return out;
}

long ReadCrlNumber(X509_CRL* crl) {
  crypto::Asn1IntegerPtr number(static_cast<ASN1_INTEGER*>(
      X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
  return number ? ASN1_INTEGER_get(number.get()) : 0;
}

}  // namespace tocsin::pki
