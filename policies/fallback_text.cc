#include "policies/fallback_text.h"

#include <algorithm>

namespace tocsin::policies {
namespace {

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

}  // namespace

bool SummaryAllowed(std::string_view tlp) { return tlp == "GREEN" || tlp == "CLEAR"; }

FallbackMessage ComposeFallback(const FallbackFacts& f) {
  std::string short_id = f.directive_hex.substr(0, 8);
  std::string severity = Upper(f.severity);
  std::string deadline = FormatUtc(f.ack_deadline);
  FallbackMessage m;
  if (f.crisis_cell) {
    m.subject = "[TOCSIN] " + f.agency + " has not acknowledged " + severity + " directive " +
                short_id;
    m.text = "TOCSIN: " + f.agency + " has not acknowledged " + severity + " directive " +
             short_id + " (TLP:" + f.tlp + ", deadline " + deadline + "). Escalation ladder exhausted.";
  } else {
    m.subject = "[TOCSIN] " + severity + " directive " + short_id + ": acknowledgement required";
    m.text = "TOCSIN: " + severity + " directive " + short_id + " for " + f.agency +
             " (TLP:" + f.tlp + ") awaits acknowledgement by " + deadline +
             ". Read it in your Tocsin client. To acknowledge by SMS, " +
             (f.reply_number.empty() ? std::string("reply to the Tocsin SMS with")
                                     : "text " + f.reply_number) +
             ": ACK " + f.code;
  }
  if (f.summary && SummaryAllowed(f.tlp)) {
    m.text += " Summary: " + *f.summary;
  }
  return m;
}

}  // namespace tocsin::policies
