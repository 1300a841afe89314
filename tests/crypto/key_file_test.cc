#include "crypto/key_file.h"

#include <sys/stat.h>

#include <cstdio>

#include <catch2/catch.hpp>

#include "common/file_util.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::crypto {
namespace {

TEST_CASE("Key files round-trip through PKCS#8 PEM with mode 0600", "[crypto][keyfile]") {
  testing::TempDir dir;
  SigningKey signing = SigningKey::Generate().value();
  X25519KeyPair x25519 = X25519KeyPair::Generate().value();
  REQUIRE(WriteSigningKeyFile(dir / "s.key", signing));
  REQUIRE(WriteX25519KeyFile(dir / "x.key", x25519));
  struct stat info {};
  REQUIRE(::stat((dir / "s.key").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  std::string pem(AsStringView(ReadFile(dir / "s.key", 4096).value()));
  CHECK(pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(ReadSigningKeyFile(dir / "s.key").value().public_key() == signing.public_key());
  CHECK(ReadX25519KeyFile(dir / "x.key").value().public_key() == x25519.public_key());
}

TEST_CASE("Key files readable by group or others are refused", "[crypto][keyfile][negative]") {
  testing::TempDir dir;
  SigningKey signing = SigningKey::Generate().value();
  REQUIRE(WriteSigningKeyFile(dir / "s.key", signing));
  for (mode_t mode : {0640u, 0604u, 0660u, 0644u}) {
    REQUIRE(::chmod((dir / "s.key").c_str(), mode) == 0);
    Result<SigningKey> loaded = ReadSigningKeyFile(dir / "s.key");
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code == ErrorCode::kPermissionDenied);
    CHECK(loaded.error().context.find("chmod 600") != std::string::npos);
  }
}

TEST_CASE("Key files of the wrong type, garbage or missing are refused",
          "[crypto][keyfile][negative]") {
  testing::TempDir dir;
  X25519KeyPair x25519 = X25519KeyPair::Generate().value();
  REQUIRE(WriteX25519KeyFile(dir / "x.key", x25519));
  Result<SigningKey> wrong_type = ReadSigningKeyFile(dir / "x.key");
  REQUIRE_FALSE(wrong_type);
  CHECK(wrong_type.error().context.find("X25519") != std::string::npos);
  REQUIRE(WriteFileDurably(dir / "junk.key", AsBytes("not a key"), 0600, Overwrite::kNo));
  CHECK(ReadX25519KeyFile(dir / "junk.key").error().code == ErrorCode::kInvalidArgument);
  CHECK(ReadX25519KeyFile(dir / "absent.key").error().code == ErrorCode::kNotFound);
}

TEST_CASE("Writing a key never replaces an existing file", "[crypto][keyfile][negative]") {
  testing::TempDir dir;
  SigningKey first = SigningKey::Generate().value();
  SigningKey second = SigningKey::Generate().value();
  REQUIRE(WriteSigningKeyFile(dir / "s.key", first));
  CHECK_FALSE(WriteSigningKeyFile(dir / "s.key", second));
  CHECK(ReadSigningKeyFile(dir / "s.key").value().public_key() == first.public_key());
}

}  // namespace
}  // namespace tocsin::crypto
