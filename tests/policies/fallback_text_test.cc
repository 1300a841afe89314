// What fallback channels may say, by TLP label (issue 4).
#include "policies/fallback_text.h"

#include <catch2/catch.hpp>

namespace tocsin::policies {
namespace {

FallbackFacts Facts(const std::string& tlp) {
  return {"0123456789abcdef0123456789abcdef", "critical", tlp, 1795861800000,
          std::string("Ransomware on payment systems"), "finance-authority", "12345678", false, ""};
}

TEST_CASE("RED, AMBER+STRICT and AMBER carry a notice only; GREEN and CLEAR the summary",
          "[policies][fallback]") {
  for (const char* tlp : {"RED", "AMBER+STRICT", "AMBER"}) {
    FallbackMessage m = ComposeFallback(Facts(tlp));
    INFO(tlp << ": " << m.text);
    CHECK(m.text.find("Ransomware") == std::string::npos);
    CHECK(m.text.find("01234567") != std::string::npos);     // the short id
    CHECK(m.text.find("ACK 12345678") != std::string::npos);  // the code
    CHECK(m.text.find("CRITICAL") != std::string::npos);
    CHECK(m.text.find("2026-11-28T10:30:00.000Z") != std::string::npos);  // the deadline
  }
  for (const char* tlp : {"GREEN", "CLEAR"}) {
    CHECK(ComposeFallback(Facts(tlp)).text.find("Summary: Ransomware") != std::string::npos);
  }
}

TEST_CASE("The message names the number to text the code to, when the policy gives one",
          "[policies][fallback]") {
  FallbackFacts f = Facts("RED");
  CHECK(ComposeFallback(f).text.find("reply to the Tocsin SMS with: ACK 12345678") !=
        std::string::npos);
  f.reply_number = "+33700000001";
  CHECK(ComposeFallback(f).text.find("text +33700000001: ACK 12345678") != std::string::npos);
}

TEST_CASE("The crisis cell hears who is silent, and gets no code", "[policies][fallback]") {
  FallbackFacts f = Facts("RED");
  f.crisis_cell = true;
  f.code.clear();
  FallbackMessage m = ComposeFallback(f);
  CHECK(m.text.find("finance-authority has not acknowledged") != std::string::npos);
  CHECK(m.text.find("ACK") == std::string::npos);
}

}  // namespace
}  // namespace tocsin::policies
