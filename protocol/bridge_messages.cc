#include "protocol/bridge_messages.h"

#include "protocol/strict_msgpack.h"

namespace tocsin::protocol {
namespace {

using msgpack::object;

constexpr UnpackLimits kBridgeLimits{.max_array = 7, .max_map = 0, .max_str = 4096, .max_bin = 0,
                                     .max_depth = 1};

Result<std::string> Channel(const object& o) {
  TOCSIN_ASSIGN_OR_RETURN(std::string channel, ReadText(o, 1, 16, "bridge.channel"));
  if (channel != "sms" && channel != "email") {
    return MakeError(ErrorCode::kMalformedMessage, "bridge.channel: must be sms or email");
  }
  return channel;
}

std::size_t Arity(BridgeKind kind) {
  switch (kind) {
    case BridgeKind::kHello: return 2;
    case BridgeKind::kTask: return 7;
    case BridgeKind::kResult: return 4;
    case BridgeKind::kResultAck: return 3;
    case BridgeKind::kInbound: return 4;
    case BridgeKind::kInboundAck: return 3;
  }
  return 0;
}

}  // namespace

std::string_view TaskOutcomeName(std::uint64_t outcome) {
  switch (outcome) {
    case 0: return "accepted";
    case 1: return "sent";
    case 2: return "failed";
    case 3: return "delivered";
    case 4: return "undelivered";
  }
  return "unknown";
}

Bytes EncodeBridgeMessage(const BridgeMessage& m) {
  Writer w;
  w.Array(Arity(m.kind)).Uint(static_cast<std::uint64_t>(m.kind));
  switch (m.kind) {
    case BridgeKind::kHello: w.Text(m.channel); break;
    case BridgeKind::kTask:
      w.Uint(m.task).Text(m.channel).Text(m.contact).Text(m.address).Text(m.subject).Text(m.text);
      break;
    case BridgeKind::kResult: w.Uint(m.task).Uint(m.outcome).Text(m.detail); break;
    case BridgeKind::kResultAck: w.Uint(m.task).Uint(m.outcome); break;
    case BridgeKind::kInbound: w.Uint(m.reference).Text(m.from).Text(m.text); break;
    case BridgeKind::kInboundAck: w.Uint(m.reference).Text(m.detail); break;
  }
  return w.Take();
}

Result<BridgeMessage> DecodeBridgeMessage(ByteView bytes) {
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          StrictUnpack(bytes, kBridgeLimits, "bridge message"));
  const object& root = handle.get();
  if (root.type != msgpack::type::ARRAY || root.via.array.size == 0) {
    return MakeError(ErrorCode::kMalformedMessage, "bridge message: expected an array");
  }
  TOCSIN_ASSIGN_OR_RETURN(std::uint64_t kind, ReadUint(root.via.array.ptr[0], 1, 6, "bridge.kind"));
  BridgeMessage m;
  m.kind = static_cast<BridgeKind>(kind);
  TOCSIN_ASSIGN_OR_RETURN(const object* f, ReadArray(root, Arity(m.kind), "bridge message"));
  switch (m.kind) {
    case BridgeKind::kHello: {
      TOCSIN_ASSIGN_OR_RETURN(m.channel, Channel(f[1]));
      break;
    }
    case BridgeKind::kTask: {
      TOCSIN_ASSIGN_OR_RETURN(m.task, ReadUint(f[1], 1, kMaxTime, "bridge.task"));
      TOCSIN_ASSIGN_OR_RETURN(m.channel, Channel(f[2]));
      TOCSIN_ASSIGN_OR_RETURN(m.contact, ReadLine(f[3], 1, 128, "bridge.contact"));
      TOCSIN_ASSIGN_OR_RETURN(m.address, ReadLine(f[4], 1, 256, "bridge.address"));
      TOCSIN_ASSIGN_OR_RETURN(m.subject, ReadLine(f[5], 1, 256, "bridge.subject"));
      TOCSIN_ASSIGN_OR_RETURN(m.text, ReadText(f[6], 1, 2048, "bridge.text"));
      break;
    }
    case BridgeKind::kResult: {
      TOCSIN_ASSIGN_OR_RETURN(m.task, ReadUint(f[1], 1, kMaxTime, "bridge.task"));
      TOCSIN_ASSIGN_OR_RETURN(m.outcome, ReadUint(f[2], 0, 4, "bridge.outcome"));
      TOCSIN_ASSIGN_OR_RETURN(m.detail, ReadText(f[3], 0, 1024, "bridge.detail"));
      break;
    }
    case BridgeKind::kResultAck: {
      TOCSIN_ASSIGN_OR_RETURN(m.task, ReadUint(f[1], 1, kMaxTime, "bridge.task"));
      TOCSIN_ASSIGN_OR_RETURN(m.outcome, ReadUint(f[2], 0, 4, "bridge.outcome"));
      break;
    }
    case BridgeKind::kInbound: {
      TOCSIN_ASSIGN_OR_RETURN(m.reference, ReadUint(f[1], 1, kMaxTime, "bridge.reference"));
      TOCSIN_ASSIGN_OR_RETURN(m.from, ReadLine(f[2], 1, 32, "bridge.from"));
      TOCSIN_ASSIGN_OR_RETURN(m.text, ReadText(f[3], 0, 1024, "bridge.text"));
      break;
    }
    case BridgeKind::kInboundAck: {
      TOCSIN_ASSIGN_OR_RETURN(m.reference, ReadUint(f[1], 1, kMaxTime, "bridge.reference"));
      TOCSIN_ASSIGN_OR_RETURN(m.detail, ReadText(f[2], 0, 1024, "bridge.verdict"));
      break;
    }
  }
  return m;
}

Bytes BridgeEnvelope(const BridgeMessage& message) {
  return EncodeUnsigned(MessageType::kBridge, EncodeBridgeMessage(message));
}

}  // namespace tocsin::protocol
