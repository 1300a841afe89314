#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/pem.h>

#include "common/file_util.h"
#include "crypto/openssl_util.h"

namespace tocsin::crypto {
namespace {

constexpr std::size_t kMaxKeyFileSize = 4096;

// Reads a private file into guarded memory after checking, on the open
// descriptor itself, that only its owner (us) can read or write it.
Result<SecretBytes> ReadPrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    int saved = errno;
    return MakeError(saved == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIoError,
                     "open key file " + path + ": " + std::strerror(saved));
  }
  struct stat info {};
  Result<SecretBytes> out = MakeError(ErrorCode::kInternal, "unreachable");
  if (::fstat(fd, &info) != 0) {
    out = MakeError(ErrorCode::kIoError, "stat key file " + path + ": " +
                                             std::strerror(errno));
  } else if ((info.st_mode & 077) != 0) {
    out = MakeError(ErrorCode::kPermissionDenied,
                    "key file " + path + " has mode " + FileModeText(info.st_mode) +
                        ": group or others can access it; run chmod 600 " + path);
  } else if (info.st_uid != ::geteuid()) {
    out = MakeError(ErrorCode::kPermissionDenied,
                    "key file " + path + " belongs to uid " +
                        std::to_string(info.st_uid) + ", not to us");
  } else if (info.st_size <= 0 ||
             static_cast<std::size_t>(info.st_size) > kMaxKeyFileSize) {
    out = MakeError(ErrorCode::kInvalidArgument,
                    "key file " + path + " is empty or larger than 4 KiB");
  } else {
    out = SecretBytes::Allocate(static_cast<std::size_t>(info.st_size));
    if (out && ::read(fd, out->data(), out->size()) != info.st_size) {
      out = MakeError(ErrorCode::kIoError, "short read of key file " + path);
    }
  }
  ::close(fd);
  return out;
}

// Decodes a PKCS#8 PEM key of type `nid` and returns its raw 32 bytes.
Result<SecretBytes> DecodeRawKey(const SecretBytes& pem, int nid,
                                 const std::string& path) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return MakeError(ErrorCode::kInternal, "BIO_new_mem_buf failed");
  }
  // An empty passphrase callback: encrypted keys fail instead of prompting.
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + " is not an unencrypted PKCS#8 PEM private key (" +
                         TakeOpenSslErrors() + ")");
  }
  if (EVP_PKEY_get_base_id(key.get()) != nid) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + " holds a " +
                         std::string(OBJ_nid2sn(EVP_PKEY_get_base_id(key.get()))) +
                         " key where " + OBJ_nid2sn(nid) + " was expected");
  }
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes raw, SecretBytes::Allocate(32));
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_private_key(key.get(), raw.data(), &length) != 1 ||
      length != raw.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot read the raw key in " + path);
  }
  return raw;
}

Status WriteRawKey(const std::string& path, int nid, ByteView raw) {
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(nid, nullptr, raw.data(), raw.size()));
  // A BIO in OpenSSL's secure heap where enabled; it is cleansed on free.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!key || !bio ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0,
                                    nullptr, nullptr) != 1) {
    return MakeError(ErrorCode::kInternal,
                     "cannot encode private key: " + TakeOpenSslErrors());
  }
  char* pem = nullptr;
  long length = BIO_get_mem_data(bio.get(), &pem);
  if (length <= 0 || pem == nullptr) {
    return MakeError(ErrorCode::kInternal, "empty PEM encoding");
  }
  ByteView contents(reinterpret_cast<const std::uint8_t*>(pem),
                    static_cast<std::size_t>(length));
  return WriteFileDurably(path, contents, 0600, Overwrite::kNo);
}

}  // namespace

Status WriteSigningKeyFile(const std::string& path, const SigningKey& key) {
  return WriteRawKey(path, EVP_PKEY_ED25519, key.seed());
}

Status WriteX25519KeyFile(const std::string& path, const X25519KeyPair& key) {
  return WriteRawKey(path, EVP_PKEY_X25519, key.secret());
}

Result<SigningKey> ReadSigningKeyFile(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes pem, ReadPrivateFile(path));
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes seed, DecodeRawKey(pem, EVP_PKEY_ED25519, path));
  return SigningKey::FromSeed(seed.bytes());
}

Result<X25519KeyPair> ReadX25519KeyFile(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes pem, ReadPrivateFile(path));
  TOCSIN_ASSIGN_OR_RETURN(SecretBytes secret, DecodeRawKey(pem, EVP_PKEY_X25519, path));
  return X25519KeyPair::FromSecret(secret.bytes());
}

}  // namespace tocsin::crypto
