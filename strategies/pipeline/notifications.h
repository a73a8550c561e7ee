// Notifications: the messages Echo would send (email, Slack, ...) as a pipeline and its stages run.
// deploysim sends nothing; it records each message in the trace so a rehearsal shows who would
// have been told what, and when.
//
// A notification is configured on the pipeline (`notifications`, events pipeline.starting,
// pipeline.complete, pipeline.failed) or on a stage whose `sendNotifications` is true (events
// stage.starting, stage.complete, stage.failed; a manual judgment adds manualJudgment,
// manualJudgmentContinue and manualJudgmentStop). Each entry is {type, address, when: [events],
// message: {<event>: {text}}}; an entry whose `when` lists the event sends one message.
#pragma once

#include <string>
#include <vector>

#include "strategies/pipeline/pipeline.h"

namespace deploysim::strategies {

struct NotificationMessage {
  std::string type;     // email, slack, pubsub, ...
  std::string address;  // where it goes (an address, a channel)
  std::string event;    // pipeline.starting, stage.failed, manualJudgment, ...
  std::string text;     // what it says: the event's description, then any custom text
};

// The messages `configured` (a notifications array; anything else sends nothing) sends for
// `event`, each saying `description` followed by the entry's custom text for that event.
std::vector<NotificationMessage> notifications_for(const Json& configured, const std::string& event,
                                                   const std::string& description);

}  // namespace deploysim::strategies
