// tools/audit/report.h -- delivery reports from a verified log: per
// directive, who received it, who acknowledged, how late against the
// deadline, and what escalations fired. Formats: CSV (one row per directive
// and agency), JSON, and one self-contained HTML page with a timeline chart
// per directive (no script, no external resource).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "tools/audit/verifier.h"

namespace tocsin::tools::audit {

nlohmann::json ReportJson(const VerifiedLog& log);
std::string ReportCsv(const VerifiedLog& log);
std::string ReportHtml(const VerifiedLog& log);

// `text` with & < > " ' as HTML entities: safe in text and attribute values.
std::string HtmlEscape(std::string_view text);

// The time of the log's last checkpoint (0 with none): what "as of" means.
UnixMillis AsOf(const VerifiedLog& log);

// "acknowledged", "delivered", "refused", "sent" or "pending".
std::string_view DeliveryStateName(const DeliveryRecord& delivery);

}  // namespace tocsin::tools::audit
