// tests/fuzz/fuzz_keys.h -- fixed keys shared by make_corpus and the fuzz
// targets that need to get past signature checks.
#pragma once

#include "crypto/key_agreement.h"
#include "crypto/signing.h"
#include "tests/testing/fake_resolver.h"

namespace tocsin::fuzz {

inline constexpr UnixMillis kFuzzNow = 1795861800000;

struct FuzzKeys {
  crypto::SigningKey operator_signing =
      crypto::SigningKey::FromSeed(Bytes(32, 0x01)).value();
  crypto::SigningKey agency_signing = crypto::SigningKey::FromSeed(Bytes(32, 0x02)).value();
  crypto::X25519KeyPair agency_encryption =
      crypto::X25519KeyPair::FromSecret(Bytes(32, 0x03)).value();
  testing::FakeResolver resolver;

  FuzzKeys() {
    resolver.Add("op.alice", Role::kOperator, operator_signing.public_key());
    resolver.Add("finance-authority", Role::kAgency, agency_signing.public_key());
  }
};

}  // namespace tocsin::fuzz
