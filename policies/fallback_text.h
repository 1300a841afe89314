// policies/fallback_text.h -- what an SMS or an e-mail may say.
//
// The TLP label decides (issue 4): RED and AMBER+STRICT carry a notice only
// (directive id, severity, deadline, the one-time code); AMBER a notice too;
// GREEN and CLEAR may add the directive's clear summary. Title and body are
// never available here: they are encrypted end to end and the gateway never
// holds them (docs/protocol.md 6.3).
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"

namespace tocsin::policies {

struct FallbackFacts {
  std::string directive_hex;  // the full id; messages show its first 8 digits
  std::string severity;       // "critical", ...
  std::string tlp;            // "RED", "AMBER+STRICT", "AMBER", "GREEN", "CLEAR"
  UnixMillis ack_deadline = 0;
  std::optional<std::string> summary;
  std::string agency;
  std::string code;           // empty for the crisis cell
  bool crisis_cell = false;   // the message goes to the centre's duty desk
  std::string reply_number;   // where to text "ACK <code>" (Policy::sms_reply_number), or empty
};

struct FallbackMessage {
  std::string subject;  // e-mail only
  std::string text;
};

FallbackMessage ComposeFallback(const FallbackFacts& facts);

// True when the label allows the clear summary on fallback channels.
bool SummaryAllowed(std::string_view tlp);

}  // namespace tocsin::policies
