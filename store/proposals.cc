#include "store/proposals.h"

#include <map>

#include "store/directives.h"

namespace tocsin::store {
namespace {

// Principal ids have no comma ([a-z0-9.-]): a list is kept as one column.
std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    out += (out.empty() ? "" : ",") + id;
  }
  return out;
}

std::vector<std::string> SplitIds(const std::string& joined) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < joined.size()) {
    std::size_t comma = joined.find(',', start);
    std::size_t end = comma == std::string::npos ? joined.size() : comma;
    out.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

constexpr std::string_view kColumns =
    "id, issuer, sequence, proposed_at, expires_at, severity, action, required, signers, "
    "recipient_count";

HeldProposal ReadProposal(const Statement& row) {
  HeldProposal p;
  p.id = row.Blob(0);
  p.issuer = row.Text(1);
  p.sequence = static_cast<std::uint64_t>(row.Int(2));
  p.proposed_at = row.Int(3);
  p.expires_at = row.Int(4);
  p.severity = static_cast<int>(row.Int(5));
  p.action = static_cast<int>(row.Int(6));
  p.required = static_cast<std::uint32_t>(row.Int(7));
  p.signers = SplitIds(row.Text(8));
  p.recipient_count = static_cast<std::uint32_t>(row.Int(9));
  return p;
}

}  // namespace

Status Proposals::Hold(const HeldProposal& p, std::size_t max_per_issuer) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_RETURN_IF_ERROR(Directives::CheckIssuerSequence(transaction, p.issuer, p.sequence));
  TOCSIN_ASSIGN_OR_RETURN(bool accepted, Directives::IsAccepted(transaction, p.id));
  TOCSIN_ASSIGN_OR_RETURN(bool held, IsHeld(transaction, p.id));
  if (accepted || held) {
    return MakeError(ErrorCode::kReplay, "directive id already held or accepted");
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement count, transaction.Prepare(
      "SELECT COUNT(*), COALESCE(SUM(CASE WHEN issuer=? THEN 1 ELSE 0 END), 0) FROM proposals"));
  count.Bind(1, p.issuer);
  TOCSIN_ASSIGN_OR_RETURN(bool counted, count.Step());
  if (counted && (static_cast<std::size_t>(count.Int(0)) >= kMaxHeldProposals ||
                  static_cast<std::size_t>(count.Int(1)) >= max_per_issuer)) {
    return MakeError(ErrorCode::kUnavailable,
                     "too many proposals held (" + std::to_string(count.Int(1)) + " of " + p.issuer +
                         ", " + std::to_string(count.Int(0)) +
                         " in all): withdraw one or let one be approved first");
  }
  TOCSIN_ASSIGN_OR_RETURN(Statement insert, transaction.Prepare(
      "INSERT INTO proposals (id, issuer, sequence, wire, proposed_at, expires_at, severity, "
      "action, required, signers, recipient_count) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
  insert.Bind(1, p.id).Bind(2, p.issuer).Bind(3, static_cast<std::int64_t>(p.sequence))
      .Bind(4, p.wire).Bind(5, p.proposed_at).Bind(6, p.expires_at)
      .Bind(7, std::int64_t{p.severity}).Bind(8, std::int64_t{p.action})
      .Bind(9, std::int64_t{p.required}).Bind(10, JoinIds(p.signers))
      .Bind(11, std::int64_t{p.recipient_count});
  TOCSIN_RETURN_IF_ERROR(insert.Run());
  TOCSIN_ASSIGN_OR_RETURN(Statement wrap, transaction.Prepare(
      "INSERT INTO proposal_wraps (proposal_id, cosigner, wrap) VALUES (?,?,?)"));
  for (const auto& [cosigner, bytes] : p.wraps) {
    wrap.Reset();
    wrap.Bind(1, p.id).Bind(2, cosigner).Bind(3, bytes);
    TOCSIN_RETURN_IF_ERROR(wrap.Run());
  }
  TOCSIN_RETURN_IF_ERROR(Directives::RaiseIssuerMark(transaction, p.issuer, p.sequence));
  return transaction.Commit();
}

Result<std::vector<HeldProposal>> Proposals::List() {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare("SELECT " + std::string(kColumns) +
                                                   " FROM proposals ORDER BY proposed_at, id"));
  std::vector<HeldProposal> out;
  std::map<Bytes, std::size_t> by_id;
  TOCSIN_RETURN_IF_ERROR(ForEachRow(q, [&](const Statement& row) {
    by_id.emplace(row.Blob(0), out.size());
    out.push_back(ReadProposal(row));
  }));
  // Every held proposal's co-signers in one query, not one query each.
  TOCSIN_ASSIGN_OR_RETURN(Statement cosigners, store_->Prepare(
      "SELECT proposal_id, cosigner FROM proposal_wraps ORDER BY proposal_id, cosigner"));
  TOCSIN_RETURN_IF_ERROR(ForEachRow(cosigners, [&](const Statement& row) {
    auto found = by_id.find(row.Blob(0));
    if (found != by_id.end()) {
      out[found->second].wraps.emplace_back(row.Text(1), Bytes{});
    }
  }));
  return out;
}

Result<std::optional<HeldProposal>> Proposals::Find(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement q, store_->Prepare("SELECT " + std::string(kColumns) +
                                                   ", wire FROM proposals WHERE id=?"));
  q.Bind(1, id);
  TOCSIN_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) {
    return std::optional<HeldProposal>();
  }
  HeldProposal p = ReadProposal(q);
  p.wire = q.Blob(10);
  TOCSIN_ASSIGN_OR_RETURN(Statement wraps, store_->Prepare(
      "SELECT cosigner, wrap FROM proposal_wraps WHERE proposal_id=? ORDER BY cosigner"));
  wraps.Bind(1, id);
  TOCSIN_RETURN_IF_ERROR(ForEachRow(wraps, [&](const Statement& row) {
    p.wraps.emplace_back(row.Text(0), row.Blob(1));
  }));
  return std::optional<HeldProposal>(std::move(p));
}

Status Proposals::ReplaceWire(ByteView id, ByteView wire,
                                   const std::vector<std::string>& signers) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());  // fenced, as every write
  TOCSIN_ASSIGN_OR_RETURN(Statement q,
                          transaction.Prepare("UPDATE proposals SET wire=?, signers=? WHERE id=?"));
  q.Bind(1, wire).Bind(2, JoinIds(signers)).Bind(3, id);
  TOCSIN_RETURN_IF_ERROR(q.Run());
  if (q.Changes() != 1) {
    return MakeError(ErrorCode::kNotFound, "no such proposal");
  }
  return transaction.Commit();
}

Status Proposals::Drop(ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_RETURN_IF_ERROR(Release(transaction, id));
  return transaction.Commit();
}

Result<bool> Proposals::IsHeld(LedgerTransaction& transaction, ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement held, transaction.Prepare("SELECT 1 FROM proposals WHERE id=?"));
  held.Bind(1, id);
  return held.Step();
}

Status Proposals::Release(LedgerTransaction& transaction, ByteView id) {
  TOCSIN_ASSIGN_OR_RETURN(Statement drop, transaction.Prepare("DELETE FROM proposals WHERE id=?"));
  drop.Bind(1, id);
  return drop.Run();
}

Result<std::vector<Bytes>> Proposals::DropExpired(UnixMillis now) {
  TOCSIN_ASSIGN_OR_RETURN(LedgerTransaction transaction, store_->Begin());
  TOCSIN_ASSIGN_OR_RETURN(Statement q,
                          transaction.Prepare("DELETE FROM proposals WHERE expires_at <= ? RETURNING id"));
  q.Bind(1, now);
  std::vector<Bytes> dropped;
  TOCSIN_RETURN_IF_ERROR(ForEachRow(q, [&](const Statement& row) { dropped.push_back(row.Blob(0)); }));
  TOCSIN_RETURN_IF_ERROR(transaction.Commit());
  return dropped;
}

}  // namespace tocsin::store
