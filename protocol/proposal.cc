#include "protocol/proposal.h"

#include "protocol/strict_msgpack.h"

namespace tocsin::protocol {
namespace {

using msgpack::object;

// A whole envelope inside; rows of ids, names and a few numbers.
constexpr UnpackLimits kProposalLimits{.max_array = kMaxProposalRows, .max_map = 0,
                                       .max_str = kMaxPrincipalIdLength,
                                       .max_bin = kMaxProposalBodyBytes, .max_depth = 4};

Result<UnixMillis> ReadTime(const object& o, std::string_view field) {
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t value, ReadUint(o, 1, kMaxTime, field));
  return static_cast<UnixMillis>(value);
}

Result<std::vector<std::string>> ReadNames(const object& o, std::size_t min, std::size_t max,
                                           std::string_view field) {
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count, ReadArraySize(o, min, max, field));
  std::vector<std::string> names;
  for (std::size_t i = 0; i < count; ++i) {
    TOCSIN_ASSIGN_OR_RETURN(std::string name, ReadPrincipalId(o.via.array.ptr[i], field));
    names.push_back(std::move(name));
  }
  return names;
}

void WriteNames(Writer& w, const std::vector<std::string>& names) {
  w.Array(names.size());
  for (const std::string& name : names) {
    w.Text(name);
  }
}

// A co-signer wrap as an array(3): id, co-signer, wrapped key (its file
// form, EncodeCosignerWrap, inline).
void WriteWrap(Writer& w, const CosignerWrap& wrap) {
  w.Array(3).Bin(wrap.directive_id).Text(wrap.cosigner).Bin(wrap.wrapped_key);
}

Result<CosignerWrap> ReadWrap(const object& o, std::string_view field) {
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(o, 3, field));
  CosignerWrap wrap;
  TOCSIN_ASSIGN_OR_RETURN(wrap.directive_id, ReadFixedBin<kDirectiveIdSize>(f[0], field));
  TOCSIN_ASSIGN_OR_RETURN(wrap.cosigner, ReadPrincipalId(f[1], field));
  TOCSIN_ASSIGN_OR_RETURN(wrap.wrapped_key,
                          ReadBin(f[2], crypto::kWrappedKeySize, crypto::kWrappedKeySize, field));
  return wrap;
}

Result<DirectiveId> ReadReference(ByteView bytes, std::string_view what) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle, StrictUnpack(bytes, kProposalLimits, what));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 1, what));
  return ReadFixedBin<kDirectiveIdSize>(f[0], std::string(what) + ".reference");
}

void WriteRow(Writer& w, const ProposalRow& r) {
  w.Array(10).Bin(r.id).Text(r.issuer).Uint(static_cast<std::uint64_t>(r.severity))
      .Uint(static_cast<std::uint64_t>(r.action)).Uint(r.required);
  WriteNames(w, r.signers);
  WriteNames(w, r.cosigners);
  w.Uint(static_cast<std::uint64_t>(r.proposed_at)).Uint(static_cast<std::uint64_t>(r.expires_at))
      .Uint(r.recipient_count);
}

Result<ProposalRow> ReadRow(const object& o) {
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(o, 10, "proposals.rows[]"));
  ProposalRow r;
  TOCSIN_ASSIGN_OR_RETURN(r.id, ReadFixedBin<kDirectiveIdSize>(f[0], "proposals.rows[].id"));
  TOCSIN_ASSIGN_OR_RETURN(r.issuer, ReadPrincipalId(f[1], "proposals.rows[].issuer"));
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t severity, ReadUint(f[2], 1, 4, "proposals.rows[].severity"));
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t action, ReadUint(f[3], 0, 2, "proposals.rows[].action"));
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t required,
                          ReadUint(f[4], 1, kMaxSignatures, "proposals.rows[].required"));
  r.severity = static_cast<Severity>(severity);
  r.action = static_cast<DirectiveAction>(action);
  r.required = static_cast<std::uint32_t>(required);
  TOCSIN_ASSIGN_OR_RETURN(r.signers, ReadNames(f[5], 1, kMaxSignatures, "proposals.rows[].signers"));
  TOCSIN_ASSIGN_OR_RETURN(r.cosigners,
                          ReadNames(f[6], 0, kMaxCosignerWraps, "proposals.rows[].cosigners"));
  TOCSIN_ASSIGN_OR_RETURN(r.proposed_at, ReadTime(f[7], "proposals.rows[].proposed_at"));
  TOCSIN_ASSIGN_OR_RETURN(r.expires_at, ReadTime(f[8], "proposals.rows[].expires_at"));
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t count,
                          ReadUint(f[9], 1, kMaxRecipients, "proposals.rows[].recipient_count"));
  r.recipient_count = static_cast<std::uint32_t>(count);
  return r;
}

}  // namespace

Bytes EncodeProposal(const Proposal& p) {
  Writer w(p.directive.size() + 256);
  w.Array(2).Bin(p.directive).Array(p.wraps.size());
  for (const CosignerWrap& wrap : p.wraps) {
    WriteWrap(w, wrap);
  }
  return w.Take();
}

Result<Proposal> DecodeProposal(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kProposalLimits, "proposal"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 2, "proposal"));
  Proposal p;
  TOCSIN_ASSIGN_OR_RETURN(p.directive,
                          ReadBin(f[0], 1, kMaxProposedDirectiveBytes, "proposal.directive"));
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count,
                          ReadArraySize(f[1], 1, kMaxCosignerWraps, "proposal.wraps"));
  for (std::size_t i = 0; i < count; ++i) {
    TOCSIN_ASSIGN_OR_RETURN(CosignerWrap wrap, ReadWrap(f[1].via.array.ptr[i], "proposal.wraps[]"));
    p.wraps.push_back(std::move(wrap));
  }
  return p;
}

Bytes EncodeProposalRequest(const ProposalRequest& r) {
  return EncodeOptionalReference(r.reference);
}

Result<ProposalRequest> DecodeProposalRequest(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(std::optional<DirectiveId> reference,
                          DecodeOptionalReference(bytes, "proposal-request"));
  return ProposalRequest{reference};
}

Bytes EncodeProposalReply(const ProposalReply& r) {
  Writer w(r.directive ? r.directive->size() + 1024 : 4096);
  w.Array(3).Array(r.rows.size());
  for (const ProposalRow& row : r.rows) {
    WriteRow(w, row);
  }
  w.OptionalBin(r.directive);
  if (r.wrap) {
    WriteWrap(w, *r.wrap);
  } else {
    w.Nil();
  }
  return w.Take();
}

Result<ProposalReply> DecodeProposalReply(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kProposalLimits, "proposals"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 3, "proposals"));
  ProposalReply r;
  TOCSIN_ASSIGN_OR_RETURN(std::size_t count,
                          ReadArraySize(f[0], 0, kMaxProposalRows, "proposals.rows"));
  for (std::size_t i = 0; i < count; ++i) {
    TOCSIN_ASSIGN_OR_RETURN(ProposalRow row, ReadRow(f[0].via.array.ptr[i]));
    r.rows.push_back(std::move(row));
  }
  TOCSIN_ASSIGN_OR_RETURN(r.directive,
                          ReadOptionalBin(f[1], 1, kMaxProposedDirectiveBytes, "proposals.directive"));
  if (f[2].type != msgpack::type::NIL) {
    TOCSIN_ASSIGN_OR_RETURN(r.wrap, ReadWrap(f[2], "proposals.wrap"));
  }
  return r;
}

Bytes EncodeApproval(const Approval& a) {
  Writer w;
  w.Array(2).Bin(a.reference).Bin(a.signature);
  return w.Take();
}

Result<Approval> DecodeApproval(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kProposalLimits, "approval"));
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(handle.get(), 2, "approval"));
  Approval a;
  TOCSIN_ASSIGN_OR_RETURN(a.reference, ReadFixedBin<kDirectiveIdSize>(f[0], "approval.reference"));
  TOCSIN_ASSIGN_OR_RETURN(a.signature,
                          ReadFixedBin<crypto::kSignatureSize>(f[1], "approval.signature"));
  return a;
}

Bytes EncodeWithdrawal(const Withdrawal& w) {
  Writer out;
  out.Array(1).Bin(w.reference);
  return out.Take();
}

Result<Withdrawal> DecodeWithdrawal(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(DirectiveId reference, ReadReference(bytes, "withdrawal"));
  return Withdrawal{reference};
}

}  // namespace tocsin::protocol
