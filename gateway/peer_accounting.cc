#include "gateway/peer_accounting.h"

namespace tocsin::gateway {

PeerAccounting::Account& PeerAccounting::AccountOf(std::string_view principal) {
  auto it = accounts_.find(principal);
  if (it == accounts_.end()) {
    it = accounts_.emplace(std::string(principal), Account{TokenBucket(budget_.messages), false, {}})
             .first;
  }
  return it->second;
}

PeerAccounting::Admission PeerAccounting::Admit(std::string_view principal, SteadyMillis now) {
  if (AccountOf(principal).budget.Take(now)) {
    return {};
  }
  ++throttled_;
  return {false, CountRefusal(principal, "throttled")};
}

bool PeerAccounting::CountRefusal(std::string_view principal, std::string_view reason) {
  ++refused_;
  Account& account = AccountOf(principal);
  if (!account.logged) {
    account.logged = true;
    return true;
  }
  ++account.unlogged[std::string(reason)];
  return false;
}

std::vector<std::string> PeerAccounting::TakeSummary(SteadyMillis now, bool force) {
  std::vector<std::string> lines;
  if (now < next_summary_ && !force) {
    return lines;
  }
  next_summary_ = now + budget_.summary_interval_ms;
  for (auto& [principal, account] : accounts_) {
    std::uint64_t total = 0;
    std::string reasons;
    for (const auto& [reason, count] : account.unlogged) {
      if (count == 0) {
        continue;
      }
      total += count;
      reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(count);
    }
    if (total > 0) {
      lines.push_back(endpoint_ + ": refused " + std::to_string(total) + " more message(s) from " +
                      principal + " in the last " +
                      std::to_string(budget_.summary_interval_ms / 1000) + " s (" + reasons + ")");
    }
    account.logged = false;
    account.unlogged.clear();
  }
  return lines;
}

void PeerAccounting::Forget(std::string_view principal) {
  auto it = accounts_.find(principal);
  if (it != accounts_.end()) {
    accounts_.erase(it);
  }
}

}  // namespace tocsin::gateway
