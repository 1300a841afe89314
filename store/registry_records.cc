#include "store/registry_records.h"

namespace tocsin::store {

Result<std::map<std::string, AuditedPrincipal>> RegistryRecords::Principals() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare(
      "SELECT principal, signing_key, active FROM audit_principals"));
  std::map<std::string, AuditedPrincipal> out;
  TOCSIN_RETURN_IF_ERROR(ForEachRow(q, [&](const Statement& row) {
    out[row.Text(0)] = {row.Blob(1), row.Int(2) != 0};
  }));
  return out;
}

Status RegistryRecords::RecordChanges(const std::vector<PrincipalChange>& changes,
                                      UnixMillis at) {
  if (changes.empty()) {
    return {};
  }
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement q, transaction.Prepare(
      "INSERT INTO audit_principals (principal, signing_key, active) VALUES (?,?,?) "
      "ON CONFLICT(principal) DO UPDATE SET signing_key=excluded.signing_key, "
      "active=excluded.active"));
  for (const PrincipalChange& c : changes) {
    q.Reset();
    q.Bind(1, c.principal).Bind(2, c.signing_key).Bind(3, std::int64_t{c.active});
    TOCSIN_RETURN_IF_ERROR(q.Run());
    transaction.Log(c.audit_entry, at);
  }
  return transaction.Commit();
}

}  // namespace tocsin::store
