// pki/certificate.h -- reading and writing certificates and CRLs (PEM), and
// reading the Tocsin fields out of a certificate.
//
// ReadCertifiedKey() only parses: it does not say the certificate is
// trustworthy. CertificateVerifier (pki/verifier.h) does that first.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/openssl_util.h"
#include "pki/identity.h"

namespace tocsin::pki {

inline constexpr std::size_t kMaxPemFileSize = 1 << 20;

Result<crypto::X509Ptr> ParseCertificatePem(ByteView pem, const std::string& origin);
Result<crypto::X509Ptr> LoadCertificate(const std::string& path);
Result<crypto::X509CrlPtr> ParseCrlPem(ByteView pem, const std::string& origin);
Result<crypto::X509CrlPtr> LoadCrl(const std::string& path);

Result<std::string> CertificateToPem(X509* certificate);
Result<std::string> CrlToPem(X509_CRL* crl);
// DER encoding, for fingerprints and wire transfer.
Result<Bytes> CertificateToDer(X509* certificate);
Result<Bytes> CrlToDer(X509_CRL* crl);
// Exactly one CRL, in its one DER encoding (what CrlToDer wrote); parsing only.
Result<crypto::X509CrlPtr> ParseCrlDer(ByteView der, const std::string& origin);

// Extracts principal id, role, sector, purpose, key, serial and validity.
// Fails with kUntrustedCertificate when a field is missing or malformed.
Result<CertifiedKey> ReadCertifiedKey(X509* certificate);

// The subject (CN and OU "crl-freshness"), sole extended key usage
// (Purpose::kCrlFreshness), Ed25519 key, serial and validity of the CA's
// CRL freshness signer certificate; parsing only, like ReadCertifiedKey.
inline constexpr std::string_view kFreshnessSignerName = "crl-freshness";
Result<FreshnessSigner> ReadFreshnessSigner(X509* certificate);

// Upper-case hex of a serial number (no leading zeros beyond one byte pair).
std::string SerialHex(const ASN1_INTEGER* serial);

// Returns true iff `crl` lists the serial `serial_hex` (as SerialHex prints).
bool CrlListsSerial(X509_CRL* crl, std::string_view serial_hex);

// Converts an ASN.1 time to Unix milliseconds.
Result<UnixMillis> Asn1TimeToMillis(const ASN1_TIME* time);

}  // namespace tocsin::pki
