// crypto/openssl_util.h -- owning pointers for OpenSSL handles, and errors.
#pragma once

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/c_free.h"

namespace tocsin::crypto {

using tocsin::CFree;

using BioPtr = std::unique_ptr<BIO, CFree<&BIO_free_all>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, CFree<&EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, CFree<&EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, CFree<&X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, CFree<&X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, CFree<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, CFree<&X509_STORE_CTX_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, CFree<&X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, CFree<&X509_EXTENSION_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, CFree<&X509_REVOKED_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, CFree<&ASN1_TIME_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, CFree<&ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, CFree<&ASN1_TIME_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, CFree<&BN_free>>;
using ExtendedKeyUsagePtr =
    std::unique_ptr<EXTENDED_KEY_USAGE, CFree<&EXTENDED_KEY_USAGE_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, CFree<&ASN1_OBJECT_free>>;

// Drains OpenSSL's thread-local error queue into one readable line
// ("error:...; error:..."), or "no OpenSSL error" when it is empty.
std::string TakeOpenSslErrors();

}  // namespace tocsin::crypto
