#include "pki/crl_signature_rule.h"

#include <string_view>

#include <openssl/x509v3.h>

#include "crypto/openssl_util.h"

namespace tocsin::pki {
namespace {

constexpr std::uint8_t kRuleVersion = 1;
constexpr std::size_t kRuleIntegers = 1 + kSignatureRuleFields.size();
constexpr std::size_t kRuleDerSize = 2 + 3 * kRuleIntegers;

tl::unexpected<Error> BadRule(const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, "CRL signature rule extension: " + why);
}

Result<crypto::Asn1ObjectPtr> RuleObject(Arc arc) {
  crypto::Asn1ObjectPtr object(OBJ_txt2obj(TocsinOid(kSignatureRuleLeaf, arc).c_str(), 1));
  if (!object) {
    return MakeError(ErrorCode::kInternal,
                     "cannot make the signature rule OID: " + crypto::TakeOpenSslErrors());
  }
  return object;
}

}  // namespace

Bytes EncodeSignatureRule(const SignatureRule& rule) {
  Bytes der{0x30, static_cast<std::uint8_t>(kRuleDerSize - 2), 0x02, 0x01, kRuleVersion};
  for (std::string_view name : kSignatureRuleFields) {
    der.insert(der.end(), {0x02, 0x01, static_cast<std::uint8_t>(RuleFieldValue(rule, name))});
  }
  return der;
}

Result<SignatureRule> DecodeSignatureRule(ByteView der) {
  if (der.size() != kRuleDerSize || der[0] != 0x30 || der[1] != kRuleDerSize - 2) {
    return BadRule("not a SEQUENCE of " + std::to_string(kRuleIntegers) + " small INTEGERs");
  }
  std::uint8_t values[kRuleIntegers];
  for (std::size_t i = 0; i < kRuleIntegers; ++i) {
    const std::uint8_t* item = der.data() + 2 + 3 * i;
    if (item[0] != 0x02 || item[1] != 0x01) {
      return BadRule("element " + std::to_string(i + 1) + " is not a one-byte INTEGER");
    }
    values[i] = item[2];
  }
  if (values[0] != kRuleVersion) {
    return BadRule("version " + std::to_string(values[0]) + " is not 1");
  }
  SignatureRule rule;
  for (std::size_t i = 0; i < kSignatureRuleFields.size(); ++i) {
    *RuleField(rule, kSignatureRuleFields[i]) = values[i + 1];
  }
  Status valid = ValidateSignatureRule(rule);
  if (!valid) {
    return BadRule(valid.error().context);
  }
  return rule;
}

Status AddSignatureRule(X509_CRL* crl, const SignatureRule& rule, Arc arc) {
  TOCSIN_RETURN_IF_ERROR(ValidateSignatureRule(rule));
  TOCSIN_ASSIGN_OR_RETURN(crypto::Asn1ObjectPtr object, RuleObject(arc));
  Bytes der = EncodeSignatureRule(rule);
  std::unique_ptr<ASN1_OCTET_STRING, CFree<&ASN1_OCTET_STRING_free>> value(ASN1_OCTET_STRING_new());
  if (!value || ASN1_OCTET_STRING_set(value.get(), der.data(), static_cast<int>(der.size())) != 1) {
    return MakeError(ErrorCode::kInternal, "cannot encode the signature rule");
  }
  crypto::X509ExtensionPtr extension(
      X509_EXTENSION_create_by_OBJ(nullptr, object.get(), 0, value.get()));
  if (!extension || X509_CRL_add_ext(crl, extension.get(), -1) != 1) {
    return MakeError(ErrorCode::kInternal,
                     "cannot add the signature rule to the CRL: " + crypto::TakeOpenSslErrors());
  }
  return {};
}

Result<SignatureRule> ReadSignatureRule(X509_CRL* crl) {
  std::optional<Bytes> value;  // the extension's bytes, under whichever arc
  for (Arc arc : {Arc::kCurrent, Arc::kLegacy}) {
    TOCSIN_ASSIGN_OR_RETURN(crypto::Asn1ObjectPtr object, RuleObject(arc));
    int at = X509_CRL_get_ext_by_OBJ(crl, object.get(), -1);
    if (at < 0) {
      continue;
    }
    if (X509_CRL_get_ext_by_OBJ(crl, object.get(), at) >= 0) {
      return BadRule("present twice");
    }
    X509_EXTENSION* extension = X509_CRL_get_ext(crl, at);
    if (X509_EXTENSION_get_critical(extension) != 0) {
      return BadRule("marked critical (it must not be)");
    }
    const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(extension);
    Bytes bytes(ASN1_STRING_get0_data(data),
                ASN1_STRING_get0_data(data) + ASN1_STRING_length(data));
    if (value && *value != bytes) {
      return BadRule("present twice, under the two arcs, with different values");
    }
    value = std::move(bytes);
  }
  if (!value) {
    return SignatureRule{};
  }
  return DecodeSignatureRule(*value);
}

}  // namespace tocsin::pki
