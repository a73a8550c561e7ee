// Spinnaker's naming of clusters and server groups (Netflix Frigga, clouddriver's
// AbstractServerGroupNameResolver): cluster = app[-stack[-detail]], server group = cluster-vNNN.
// Strategies find "the current server group" by these names, so they must be exact.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/kernel/result.h"

namespace deploysim::world {

struct Moniker {
  std::string app;
  std::string stack;
  std::string detail;
  std::optional<int> sequence;  // the NNN of -vNNN

  // app, app-stack, or app-stack-detail (app--detail when the stack is empty).
  std::string cluster() const;
  // cluster-vNNN, or the cluster alone without a sequence.
  std::string server_group() const;
};

// Checks the parts of a name: app uses [a-zA-Z0-9._] and is not empty, stack the same but may be
// empty, detail may also use - ~ ^. Errors name the part and the character.
sim::Status validate_moniker(const Moniker& m);

// Splits a server group or cluster name into its parts, as Frigga does: a trailing -vNNN (3 to 6
// digits) is the sequence; then app, stack and the rest as detail. Errors if the app part is empty
// or uses other characters.
sim::Result<Moniker> parse_name(std::string_view name);

// The sequence of the next server group of a cluster in a region: one more than the sequence of
// the most recently created server group (not the largest), modulo 1000, skipping numbers still in
// use; 0 for the first. `existing` lists the sequences of the cluster's live server groups in
// creation order. Errors when all 1000 are taken.
sim::Result<int> next_sequence(const std::vector<int>& existing_in_creation_order);

}  // namespace deploysim::world
