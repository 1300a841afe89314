// tools/audit/summary.h -- one directive's outcome on one printable page,
// from a verified log (`tocsin audit summary`): who acknowledged on time,
// late or never, per sector and per agency; who signed it; what it follows
// up and what followed it up; revocations and policy changes while it ran.
//
// The HTML is self-contained (no script, no external resource), fits any
// width from 800 px up without clipping, and prints on A4.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/audit/verifier.h"

namespace tocsin::tools::audit {

// Where one delivery ended, as of the log's last checkpoint.
enum class Outcome { kOnTime, kLate, kNever, kOpen, kRefused };
// "on-time", "late", "never" (deadline passed, not acknowledged), "open"
// (not acknowledged, not yet due), "refused" (the agency's signed refusal).
std::string_view OutcomeName(Outcome outcome);
Outcome OutcomeOf(const DirectiveRecord& directive, const DeliveryRecord& delivery,
                  UnixMillis as_of);

struct Tally {
  std::size_t recipients = 0, delivered = 0, on_time = 0, late = 0, never = 0, open = 0,
              refused = 0;
  void Add(Outcome outcome, bool delivered_copy);
};

nlohmann::json SummaryJson(const VerifiedLog& log, const DirectiveRecord& directive);
std::string SummaryHtml(const VerifiedLog& log, const DirectiveRecord& directive);

}  // namespace tocsin::tools::audit
