// protocol/fanout.h -- one directive, one copy per recipient.
//
// A directive as accepted lists every recipient's key wrap. Each agency needs
// only its own wrap and an inclusion proof against the signed root, so the
// copy it receives is small whatever the number of recipients (protocol.md
// section 6.6). Building the copies hashes the recipient list once; each copy
// then costs O(log n) hashes and one encoding.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "crypto/merkle.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

class DirectiveFanout {
 public:
  // From an envelope whose recipient set lists every recipient. The
  // signatures are not checked here: the caller verified the directive when
  // it accepted it (VerifyDirective) and reads it back from its own store.
  static Result<DirectiveFanout> FromEnvelope(Envelope envelope);
  static Result<DirectiveFanout> FromWire(ByteView wire);

  // The envelope for `agency` alone, or kNotFound if it is no recipient.
  Result<Bytes> CopyFor(std::string_view agency) const;

  std::size_t recipient_count() const { return recipients_.entries.size(); }

 private:
  DirectiveFanout() = default;

  Envelope envelope_;  // recipients cleared; set per copy
  RecipientSet recipients_;
  crypto::MerkleTree tree_;
  std::map<std::string, std::uint64_t, std::less<>> index_;
};

}  // namespace tocsin::protocol
