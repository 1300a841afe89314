// pki/setup_check.h -- what `--check-config` checks of a daemon's keys and
// CA folder, without starting anything and without writing anything (no
// CRL floor is raised, no database opened).
//
// The bundle must load (keys match their certificates) and be of the
// expected role and id; the CA folder must open under the root the bundle
// pinned, its CRL be current now, and each of the bundle's certificates
// verify now (not revoked, not expired). For a daemon that talks to a
// gateway, the gateway's transport certificate must verify too.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/principal.h"
#include "common/result.h"

namespace tocsin::pki {

struct SetupCheck {
  std::string bundle;
  std::string directory;
  Role role = Role::kAgency;
  std::string id;                      // the principal the bundle must hold ("": whichever)
  std::optional<std::string> gateway;  // agencies and bridges: the gateway to pin
  std::optional<std::string> channel;  // bridges: the channel its certificate must name
};

// One line per fact checked ("bundle keys/gw: gateway gw.national, ..."),
// or the first failure, naming the file and the fix.
Result<std::vector<std::string>> CheckSetup(const SetupCheck& check, UnixMillis now);

// OK when `path`'s folder exists and this user may create files in it: a
// database or a floor file can be written there.
Status CheckWritableFolderOf(const std::string& path);

}  // namespace tocsin::pki
