// protocol/bridge_messages.h -- between the gateway and its SMS and e-mail
// bridges (envelope type 11, unsigned: it travels only inside CURVE, on the
// gateway's bridge endpoint, whose ZAP handler admits bridge principals only).
//
//   1 hello        bridge -> gateway   [1, channel]
//   2 task         gateway -> bridge   [2, task, channel, contact, address, subject, text]
//   3 result       bridge -> gateway   [3, task, outcome, detail]
//   4 result-ack   gateway -> bridge   [4, task, outcome]
//   5 inbound      bridge -> gateway   [5, reference, from, text]   (an SMS reply)
//   6 inbound-ack  gateway -> bridge   [6, reference, verdict]
//
// Outcomes: 0 accepted (stored durably by the bridge), 1 sent, 2 failed,
// 3 delivered, 4 undelivered (SMS delivery reports). docs/bridges.md.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

enum class BridgeKind : std::uint8_t {
  kHello = 1, kTask = 2, kResult = 3, kResultAck = 4, kInbound = 5, kInboundAck = 6
};

struct BridgeMessage {
  BridgeKind kind = BridgeKind::kHello;
  std::string channel;        // hello, task: "sms" or "email"
  std::uint64_t task = 0;     // task, result, result-ack
  std::string contact;        // task: the person's name
  std::string address;        // task: phone number or e-mail address
  std::string subject;        // task
  std::string text;           // task, inbound
  std::uint64_t outcome = 0;  // result, result-ack
  std::string detail;         // result: message id, SMSC answer or error; inbound-ack: verdict
  std::uint64_t reference = 0;  // inbound, inbound-ack
  std::string from;           // inbound: the sender's phone number
};

Bytes EncodeBridgeMessage(const BridgeMessage& message);
Result<BridgeMessage> DecodeBridgeMessage(ByteView bytes);

// The whole envelope, ready to send.
Bytes BridgeEnvelope(const BridgeMessage& message);

std::string_view TaskOutcomeName(std::uint64_t outcome);  // "accepted", "sent", ...

}  // namespace tocsin::protocol
