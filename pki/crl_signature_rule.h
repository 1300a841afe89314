// pki/crl_signature_rule.h -- the deployment's signature rule
// (common/signature_rule.h), carried by every CRL the CA issues.
//
// A non-critical CRL extension, OID TocsinOid(kSignatureRuleLeaf), whose value is the
// DER of
//   SignatureRule ::= SEQUENCE {
//     version  INTEGER (1),
//     low, moderate, high, critical, cancel, downgrade  INTEGER (1..4) }
// (23 bytes: 30 15, then 02 01 vv seven times). The CRL's signature covers
// it, its CRL number orders it (no verifier goes back to an older CRL,
// pki/crl_floor.h), and a freshness statement can only keep it current,
// never change it. A CRL without the extension (issued before it existed)
// carries the default rule, one signature everywhere.
#pragma once

#include <openssl/x509.h>

#include "common/bytes.h"
#include "common/result.h"
#include "common/signature_rule.h"
#include "pki/identity.h"

namespace tocsin::pki {

// TocsinOid(6) (pki/identity.h); the CA writes it under the current arc and
// every reader takes either arc.
inline constexpr int kSignatureRuleLeaf = 6;

// The extension's value (the DER above), and reading it back strictly:
// any other shape, version or count is kInvalidArgument.
Bytes EncodeSignatureRule(const SignatureRule& rule);
Result<SignatureRule> DecodeSignatureRule(ByteView der);

// Adds the extension under `arc` to `crl` (before it is signed).
Status AddSignatureRule(X509_CRL* crl, const SignatureRule& rule, Arc arc = Arc::kCurrent);

// The rule `crl` carries: the default when it has no such extension;
// kInvalidArgument when it has two under one arc, two different ones under
// the two arcs, a critical one or an unreadable one. The same bytes under
// both arcs are one rule: what a CA writes while releases that read only the
// old arc may still verify its CRLs (ca.toml legacy_rule_arc).
Result<SignatureRule> ReadSignatureRule(X509_CRL* crl);

}  // namespace tocsin::pki
