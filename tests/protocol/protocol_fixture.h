// tests/protocol/protocol_fixture.h -- principals with keys and a resolver.
#pragma once

#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "crypto/key_agreement.h"
#include "crypto/signing.h"
#include "protocol/directive.h"
#include "tests/testing/fake_resolver.h"

namespace tocsin::protocol::testing {

inline constexpr UnixMillis kNow = 1795861800000;  // 2026-11-28T10:30:00Z
inline constexpr UnixMillis kHour = 3600 * 1000;

struct Principal {
  crypto::SigningKey signing;
  crypto::X25519KeyPair encryption;
};

struct ProtocolFixture {
  tocsin::testing::FakeResolver resolver;
  std::map<std::string, Principal> principals;

  ProtocolFixture() {
    Add("op.alice", Role::kOperator);
    Add("op.bob", Role::kOperator);
    Add("gw", Role::kGateway);
    Add("finance-authority", Role::kAgency);
    Add("energy-authority", Role::kAgency);
    Add("health-authority", Role::kAgency);
  }
  void Add(const std::string& id, Role role) {
    Principal p{crypto::SigningKey::Generate().value(), crypto::X25519KeyPair::Generate().value()};
    resolver.Add(id, role, p.signing.public_key());
    principals.emplace(id, std::move(p));
  }
  Principal& operator[](const std::string& id) { return principals.at(id); }

  DirectiveDraft Draft() const {
    DirectiveDraft d;
    d.header.issuer = "op.alice";
    d.header.gateway = "gw";
    d.header.sequence = 7;
    d.header.issued_at = kNow;
    d.header.ack_deadline = kNow + kHour;
    d.header.expires_at = kNow + 24 * kHour;
    d.header.severity = Severity::kCritical;
    d.header.tlp = Tlp::kAmberStrict;
    d.header.sectors = {"finance", "energy"};
    d.header.summary = "Cyber crisis: national coordination activated";
    d.content = {"Ransomware on payment systems", "Isolate segment B; report by 11:00."};
    return d;
  }
  std::vector<RecipientKey> Recipients(std::initializer_list<const char*> ids) {
    std::vector<RecipientKey> out;
    for (const char* id : ids) {
      out.push_back({id, (*this)[id].encryption.public_key()});
    }
    return out;
  }
  SealedDirective Seal(const DirectiveDraft& draft, std::initializer_list<const char*> ids) {
    auto sealed = SealDirective(draft, Recipients(ids), (*this)[draft.header.issuer].signing);
    INFO((sealed ? "" : sealed.error().ToString()));
    REQUIRE(sealed);
    return std::move(*sealed);
  }
  Result<OpenedDirective> Open(ByteView wire, const std::string& self, std::size_t min = 1,
                               UnixMillis now = kNow) {
    return OpenDirective(wire, resolver, {"gw", now, min}, self, (*this)[self].encryption);
  }
};

}  // namespace tocsin::protocol::testing
