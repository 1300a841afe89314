// pki/ca_config.h -- the certificate authority's settings (ca.toml).
//
//   organization = "Tocsin National Coordination Centre"
//   sectors = ["finance", "energy", "transport", "health",
//              "public-services", "digital-infrastructure"]
//   leaf_validity_days = 30
//   crl_validity_hours = 24
//   freshness_crl_validity_days = 0   # 2..31 with a delegated freshness signer
//
//   [signatures]        # the two-person rule every CRL carries (1 to 4 each)
//   critical = 2        # low, moderate, high, critical: by severity
//   cancel = 2          # at least this for a cancel
//   downgrade = 2       # at least this for an update lowering severity, TLP or status
//
// The organization becomes the O= of every certificate and the root's name
// constraint; sectors are the only values an agency's sector may take.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "common/signature_rule.h"

namespace tocsin::pki {

struct CaConfig {
  std::string organization;
  std::vector<std::string> sectors;
  int leaf_validity_days = 30;
  int crl_validity_hours = 24;
  // 0: every CRL is valid crl_validity_hours. 2 to 31: while a CRL freshness
  // signer is delegated (pki/crl_freshness.h), CRLs are valid this many days
  // and current only with a freshness statement after their first day.
  int freshness_crl_validity_days = 0;
  // Signed into every CRL (pki/crl_signature_rule.h); 1 wherever unset.
  SignatureRule signatures;
  // The rule written under the first profile's OID arc too, where releases
  // before it read it (docs/pki.md, moving to this profile). A new CA
  // writes false; a ca.toml without the key (an older CA) reads true.
  bool legacy_rule_arc = false;

  bool HasSector(std::string_view sector) const;
};

// The sectors of the national plan, used when `tocsin pki init` is given none.
std::vector<std::string> DefaultSectors();

// Loads and validates `path`. Every error names the file, the line and the
// field, e.g. "ca.toml:3: sectors[2]: 'Energy' is not a valid sector name".
Result<CaConfig> LoadCaConfig(const std::string& path);

// Loads just a sector list from a TOML file with a `sectors` array.
Result<std::vector<std::string>> LoadSectorList(const std::string& path);

// Checks a config built in code (same rules as LoadCaConfig).
Status ValidateCaConfig(const CaConfig& config);

// Renders `config` as TOML, with a comment header.
std::string RenderCaConfig(const CaConfig& config);

}  // namespace tocsin::pki
