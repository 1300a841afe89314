// tools/issued_titles.h -- the titles an operator sealed, kept on its own
// machine. The gateway cannot read a directive's title (it is inside the
// encrypted content), so `tocsin status` shows titles only to the operator
// who sealed them, from this record.
//
// BUNDLE/issued-titles.jsonl: one line {"id", "title", "sealed_at"} per
// directive or proposal sealed with this bundle, appended (mode 0600, in
// the bundle's 0700 folder beside its keys). Sealing goes on, with a
// warning, when it cannot be written. Read up to kMaxIssuedTitlesBytes;
// past that, status shows no titles and says why (move the file aside).
#pragma once

#include <map>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "protocol/messages.h"

namespace tocsin::tools {

inline constexpr std::size_t kMaxIssuedTitlesBytes = 16 << 20;

Status RememberIssuedTitle(const std::string& bundle_dir, const protocol::DirectiveId& id,
                           const std::string& title, UnixMillis sealed_at);

// Every title remembered, by directive id; an absent file is none.
Result<std::map<protocol::DirectiveId, std::string>> IssuedTitles(const std::string& bundle_dir);

}  // namespace tocsin::tools
