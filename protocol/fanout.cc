#include "protocol/fanout.h"

#include "protocol/directive.h"

namespace tocsin::protocol {

Result<DirectiveFanout> DirectiveFanout::FromEnvelope(Envelope envelope) {
  if (envelope.type != MessageType::kDirective || !envelope.recipients) {
    return MakeError(ErrorCode::kInvalidArgument, "fan-out needs a directive");
  }
  DirectiveFanout fanout;
  TOCSIN_ASSIGN_OR_RETURN(fanout.recipients_, DecodeRecipientSet(*envelope.recipients));
  if (fanout.recipients_.index != 0 || !fanout.recipients_.proof.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "fan-out needs the directive with every recipient");
  }
  for (const RecipientWrap& r : fanout.recipients_.entries) {
    fanout.index_.emplace(r.agency, fanout.tree_.size());
    fanout.tree_.Append(RecipientLeafHash(r));
  }
  envelope.recipients.reset();
  fanout.envelope_ = std::move(envelope);
  return fanout;
}

Result<DirectiveFanout> DirectiveFanout::FromWire(ByteView wire) {
  TOCSIN_ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(wire));
  return FromEnvelope(std::move(envelope));
}

Result<Bytes> DirectiveFanout::CopyFor(std::string_view agency) const {
  auto it = index_.find(agency);
  if (it == index_.end()) {
    return MakeError(ErrorCode::kNotFound, std::string(agency) + " is not a recipient");
  }
  std::uint64_t index = it->second;
  RecipientSet mine{index, {recipients_.entries[index]}, tree_.InclusionProof(index, tree_.size())};
  Envelope copy = envelope_;  // one copy of a ~4 KiB body per agency
  copy.recipients = EncodeRecipientSet(mine);
  return EncodeEnvelope(copy);
}

}  // namespace tocsin::protocol
