#include "protocol/proposal.h"

#include <catch2/catch.hpp>

#include "protocol/strict_msgpack.h"

namespace tocsin::protocol {
namespace {

DirectiveId Id(std::uint8_t byte) {
  DirectiveId id{};
  id.fill(byte);
  return id;
}

CosignerWrap Wrap(const std::string& cosigner) {
  return {Id(1), cosigner, Bytes(crypto::kWrappedKeySize, 0x42)};
}

TEST_CASE("Proposal messages read back as written", "[protocol][proposal]") {
  Proposal proposal{Bytes{0x95, 1, 2}, {Wrap("op.bob"), Wrap("op.carol")}};
  Proposal back = DecodeProposal(EncodeProposal(proposal)).value();
  CHECK(back.directive == proposal.directive);
  REQUIRE(back.wraps.size() == 2);
  CHECK(back.wraps[1].cosigner == "op.carol");
  CHECK(back.wraps[1].wrapped_key == proposal.wraps[1].wrapped_key);

  CHECK_FALSE(DecodeProposalRequest(EncodeProposalRequest({})).value().reference);
  CHECK(DecodeProposalRequest(EncodeProposalRequest({Id(3)})).value().reference == Id(3));

  ProposalReply reply{{{Id(1), "op.alice", Severity::kCritical, DirectiveAction::kCancel, 2,
                        {"op.alice"}, {"op.bob"}, 1000, 2000, 12}},
                      Bytes{1, 2, 3},
                      Wrap("op.bob")};
  ProposalReply read = DecodeProposalReply(EncodeProposalReply(reply)).value();
  REQUIRE(read.rows.size() == 1);
  CHECK(read.rows[0].action == DirectiveAction::kCancel);
  CHECK(read.rows[0].required == 2);
  CHECK(read.rows[0].cosigners == std::vector<std::string>{"op.bob"});
  CHECK(read.rows[0].recipient_count == 12);
  CHECK(read.directive == reply.directive);
  CHECK(read.wrap->cosigner == "op.bob");

  crypto::Signature signature{};
  signature.fill(9);
  CHECK(DecodeApproval(EncodeApproval({Id(4), signature})).value().signature == signature);
  CHECK(DecodeWithdrawal(EncodeWithdrawal({Id(5)})).value().reference == Id(5));
}

TEST_CASE("Proposal messages outside their bounds are refused", "[protocol][proposal][negative]") {
  // No wraps, or more than a directive has co-signers.
  CHECK_FALSE(DecodeProposal(EncodeProposal({Bytes{1}, {}})));
  Proposal crowded{Bytes{1}, {Wrap("a"), Wrap("b"), Wrap("c"), Wrap("d")}};
  Result<Proposal> too_many = DecodeProposal(EncodeProposal(crowded));
  REQUIRE_FALSE(too_many);
  CHECK_THAT(too_many.error().context, Catch::Contains("proposal.wraps"));
  // A wrap of the wrong size; a row with a fifth signer; a short signature.
  Writer short_wrap;
  short_wrap.Array(2).Bin(Bytes{1}).Array(1).Array(3).Bin(Id(1)).Text("op.bob").Bin(Bytes(47, 0));
  CHECK_FALSE(DecodeProposal(short_wrap.Take()));
  ProposalReply reply{{{Id(1), "op.alice", Severity::kHigh, DirectiveAction::kNew, 2,
                        {"a", "b", "c", "d", "e"}, {}, 1000, 2000, 1}},
                      std::nullopt,
                      std::nullopt};
  CHECK_FALSE(DecodeProposalReply(EncodeProposalReply(reply)));
  Writer approval;
  approval.Array(2).Bin(Id(1)).Bin(Bytes(63, 0));
  CHECK_FALSE(DecodeApproval(approval.Take()));
  Writer two;
  two.Array(2).Bin(Id(1)).Nil();
  CHECK_FALSE(DecodeWithdrawal(two.Take()));
}

}  // namespace
}  // namespace tocsin::protocol
