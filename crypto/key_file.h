// crypto/key_file.h -- private keys on disk: PKCS#8 PEM, mode 0600.
//
// Key files are standard unencrypted PKCS#8 ("BEGIN PRIVATE KEY"), so that
// `openssl pkey` can inspect them. They are written with mode 0600 (durably,
// never replacing an existing file) and refused at load when the group or
// others may read or write them, or when another user owns them
// (SECURITY.md, item 33).
#pragma once

#include <string>

#include "common/result.h"
#include "crypto/key_agreement.h"
#include "crypto/signing.h"

namespace tocsin::crypto {

Status WriteSigningKeyFile(const std::string& path, const SigningKey& key);
Status WriteX25519KeyFile(const std::string& path, const X25519KeyPair& key);

// Load a key file. Fail with kPermissionDenied on a permissive mode or a
// foreign owner, kNotFound when missing, kInvalidArgument when the file is
// not a PKCS#8 key of the expected algorithm.
Result<SigningKey> ReadSigningKeyFile(const std::string& path);
Result<X25519KeyPair> ReadX25519KeyFile(const std::string& path);

}  // namespace tocsin::crypto
