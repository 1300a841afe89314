// store/registry_records.h -- the principals whose enrolment and withdrawal
// the audit log has recorded, as the registry observed them (the gateway
// compares the CA folder with this at start and on each reload). Part of
// the ledger (store/ledger.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "store/ledger_store.h"

namespace tocsin::store {

// A principal as the audit log last recorded it.
struct AuditedPrincipal {
  Bytes signing_key;
  bool active = false;
};

struct PrincipalChange {
  std::string principal;
  Bytes signing_key;
  bool active = false;
  Bytes audit_entry;
};

class RegistryRecords {
 public:
  explicit RegistryRecords(LedgerStore* store) : store_(store) {}

  Result<std::map<std::string, AuditedPrincipal>> Principals();
  // Records enrolments and withdrawals the registry observed, with entries.
  Status RecordChanges(const std::vector<PrincipalChange>& changes, UnixMillis at);

 private:
  LedgerStore* store_;  // not owned; outlives this
};

}  // namespace tocsin::store
