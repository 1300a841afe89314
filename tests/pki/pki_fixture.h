// tests/pki/pki_fixture.h -- a fresh CA in a temporary folder, on a fake clock.
#pragma once

#include <catch2/catch.hpp>

#include "common/clock.h"
#include "pki/authority.h"
#include "pki/bundle.h"
#include "tests/testing/temp_dir.h"

namespace tocsin::pki::testing {

inline constexpr UnixMillis kStart = 1795861800000;  // 2026-11-28T10:30:00Z
inline constexpr UnixMillis kDay = 24LL * 3600 * 1000;

struct PkiFixture {
  tocsin::testing::TempDir dir;
  FakeClock clock{kStart};

  PkiFixture() {
    CaConfig config{"Tocsin Test Centre", DefaultSectors(), 30, 24, 0, {}};
    REQUIRE(CertificateAuthority::Initialize(Ca(), config, clock));
  }
  std::string Ca() const { return dir / "ca"; }
  CertificateAuthority Open() { return CertificateAuthority::Open(Ca(), clock).value(); }
  // Enrols `id` and returns its bundle folder.
  std::string Enroll(const std::string& id, Role role,
                     std::optional<std::string> sector = std::nullopt) {
    std::string bundle = dir / ("bundle-" + id);
    auto issued = Open().Enroll({id, role, std::move(sector), 0, std::nullopt}, bundle);
    INFO((issued ? std::string() : issued.error().ToString()));
    REQUIRE(issued);
    return bundle;
  }
};

}  // namespace tocsin::pki::testing
