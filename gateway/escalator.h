// gateway/escalator.h -- runs the escalation ladders of the policy in force.
//
// Every timer is derived from the ledger: which deliveries are open, when
// their directive was accepted, which steps already fired. A restarted
// gateway therefore resumes each ladder exactly where it stood, firing what
// fell due while it was down and nothing twice. Each fired step is recorded
// with its immediate outcome (and an audit entry) in the transaction that
// queues its messages for the bridges.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "gateway/audit_keeper.h"
#include "gateway/registry.h"
#include "policies/policy.h"
#include "protocol/messages.h"
#include "store/ledger.h"

namespace tocsin::gateway {

class Escalator {
 public:
  // Resends the directive to the agency if it is connected; true if sent.
  using Resend = std::function<bool(const Bytes& directive_id, const std::string& agency)>;

  Escalator(std::string policy_path, store::Ledger& ledger, const Registry& registry,
            AuditKeeper& audit, const Clock& clock)
      : path_(std::move(policy_path)), ledger_(ledger), registry_(registry), audit_(audit),
        clock_(clock) {}

  // Loads the policy file. At start an invalid file is an error; on a reload
  // (SIGHUP) the running policy stays and the error is only logged.
  Status Load(bool initial);

  // Fires every step that is due now.
  Status Tick(const Resend& resend);

  // Where one delivery's ladder stood at the last Tick: the steps fired so
  // far and the next one to come, if any. Only open deliveries a rule of the
  // policy applies to have one.
  struct Ladder {
    std::uint64_t fired = 0;
    std::optional<std::string> next_action;  // policies::ActionName
    std::optional<UnixMillis> next_due;
  };
  std::optional<Ladder> LadderOf(const Bytes& directive_id, const std::string& agency) const;

  // The policy in force (null without one); valid until the next Load.
  std::shared_ptr<const policies::Policy> policy() const { return policy_; }

 private:
  Result<const protocol::DirectiveHeader*> HeaderOf(const Bytes& id);
  Status Fire(const store::OpenDelivery& open, const policies::Rule& rule, int step, int repeat,
              const Resend& resend);
  Result<std::vector<store::BridgeTask>> Messages(const store::OpenDelivery& open,
                                                  const policies::Step& step);

  std::string path_;
  store::Ledger& ledger_;
  const Registry& registry_;
  AuditKeeper& audit_;
  const Clock& clock_;
  std::shared_ptr<const policies::Policy> policy_;
  Bytes policy_digest_;
  std::map<Bytes, protocol::DirectiveHeader> headers_;  // decoded once per directive
  // Rebuilt by every Tick: one entry per open delivery, as the ledger's.
  std::map<std::pair<Bytes, std::string>, Ladder> ladders_;
};

}  // namespace tocsin::gateway
