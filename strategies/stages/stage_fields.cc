// The stage field table. Field lists follow Orca's stage contexts and Deck's stage configs; the
// supported ones are those the stage code in this folder reads.
#include "strategies/stages/stage_fields.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace deploysim::strategies {
namespace {

using Fields = std::vector<std::string>;

// Accounts, providers and regions: one simulated cloud, so naming them changes nothing.
const Fields kCloud = {"account", "credentials", "cloudProvider", "cloudProviderType", "provider"};
// Deck's server-group target fields.
const Fields kTarget = {"cluster", "moniker", "regions", "region", "target", "serverGroupName", "asgName",
                        "zones", "interestingHealthProviderNames"};
// Kubernetes manifest targets (static, dynamic, label).
const Fields kManifestTarget = {"app", "location", "manifestName", "mode", "kind", "cluster", "criteria"};

Fields join(std::initializer_list<Fields> parts) {
  Fields out;
  for (const Fields& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::vector<StageFields> build() {
  std::vector<StageFields> t;
  const auto add = [&](std::string type, std::string summary, Fields supported, Fields ignored, Fields unsupported,
                       bool synthetic = false, std::string refusal = {}) {
    StageFields f;
    f.type = std::move(type);
    f.summary = std::move(summary);
    f.supported = std::move(supported);
    f.ignored = std::move(ignored);
    f.unsupported = std::move(unsupported);
    f.synthetic = synthetic;
    f.refusal = std::move(refusal);
    t.push_back(std::move(f));
  };
  const std::string modelled = "modelled: takes the scenario's external_stages duration and outcome";

  // Generic stages.
  add("wait", "waits waitTime seconds from the stage's start", {"waitTime", "skipRemainingWait"}, {}, {});
  add("manualJudgment", "waits for the scenario's operator (or the viewer) to choose an input",
       {"judgmentInputs", "instructions", "propagateAuthenticationContext"}, {"selectedStageRoles", "sendNotifications"}, {});
  add("checkPreconditions", "expression, stageStatus and clusterSize preconditions, each a synthetic stage",
       {"preconditions"}, {}, {});
  add("checkPrecondition", "one precondition of checkPreconditions", {"preconditionType", "context"}, kCloud, {}, true);
  add("evaluateVariables", "evaluates variables in order, publishing each to later expressions",
       {"variables", "failOnFailedExpressions"}, {}, {});
  add("pipeline", "runs a pipeline of the same file (by id or name) as a child execution",
       {"application", "pipeline", "pipelineParameters", "waitForCompletion"}, {}, {});
  add("restrictExecutionDuringTimeWindow", "holds its parent until the wall clock is in its window",
       {"restrictedExecutionWindow", "skipRemainingWait"}, {}, {}, true);

  // Server-group stages.
  add("deploy", "creates a server group per cluster with its strategy (docs/deploy-strategies.md)",
       {"clusters", "cluster"}, join({kCloud, {"group"}}), {});
  add("createServerGroup", "one cluster of a deploy stage", join({kTarget, {"application", "stack", "freeFormDetails",
       "availabilityZones", "capacity", "loadBalancers", "strategy", "useSourceCapacity", "scaleDown", "maxRemainingAsgs",
       "targetHealthyDeployPercentage", "rollback", "targetPercentages", "delayBeforeDisableSec", "delayBeforeScaleDownSec",
       "pipelineBeforeCleanup", "deploymentMonitor", "strategyApplication", "strategyPipeline", "artifact", "amiName",
       "imageId", "image"}}), kCloud, {}, true);
  add("cloneServerGroup", "copies the target group into the cluster's next one with a new artifact",
       join({kTarget, {"application", "stack", "freeFormDetails", "targetCluster", "useSourceCapacity", "capacity",
                       "disableTraffic", "artifact", "amiName", "imageId", "image"}}),
       kCloud, {});
  add("resizeServerGroup", "resizes the target group (scale_up, scale_down, scale_exact; pct, incr, exact)",
       join({kTarget, {"action", "resizeType", "scalePct", "scaleNum", "capacity", "targetHealthyDeployPercentage"}}),
       kCloud, {});
  add("pinServerGroup", "pins or unpins a group's minimum capacity (a deploy strategy's step)",
       join({kTarget, {"pinMinimumCapacity", "unpinMinimumCapacity", "pinCapacity", "savedCapacity"}}), kCloud, {}, true);
  add("enableServerGroup", "puts the target group back in its load balancers", kTarget, kCloud, {});
  add("disableServerGroup", "takes the target group (or desiredPercentage of it) out of its load balancers",
       join({kTarget, {"desiredPercentage", "instanceIdsToDisable"}}), kCloud, {});
  add("destroyServerGroup", "disables, then destroys the target group", join({kTarget, {"skipDisableBeforeDestroy"}}),
       kCloud, {});
  add("disableCluster", "disables all but the newest remainingEnabledServerGroups",
       join({kTarget, {"remainingEnabledServerGroups", "preferLargerOverNewer"}}), kCloud, {});
  add("scaleDownCluster", "scales to zero all but remainingFullSizeServerGroups",
       join({kTarget, {"remainingFullSizeServerGroups", "preferLargerOverNewer", "allowScaleDownActive"}}), kCloud, {});
  add("shrinkCluster", "destroys all but shrinkToSize groups",
       join({kTarget, {"shrinkToSize", "allowDeleteActive", "retainLargerOverNewer"}}), kCloud, {});
  add("rollbackCluster", "rolls each region back to its previous group",
       join({kTarget, {"targetHealthyRollbackPercentage", "waitTimeBetweenRegions", "serverGroup", "originalServerGroup",
                       "additionalRollbackContext"}}),
       kCloud, {"rollbackTimeout"});

  // Canaries.
  add("kayentaCanary", "Kayenta canary analysis with the NetflixACAJudge over the scenario's metrics",
       {"canaryConfig", "analysisType", "deployments"}, {}, {});
  add("runCanary", "one interval of a kayentaCanary stage", {"canaryConfig", "interval", "controlScope", "experimentScope"},
       {}, {}, true);
  add("stepCanary", "Argo-Rollouts-style steps: setWeight, pause, setCanaryScale, analysis (docs/step-canary.md)",
       {"application", "stack", "freeFormDetails", "cluster", "region", "availabilityZones", "loadBalancer", "canary",
        "steps", "trafficRouting", "analysis", "maxSurge", "abortScaleDownDelaySeconds", "scaleDownDelaySeconds",
        "replicas"},
       kCloud, {});
  add("canaryStep", "one step of a stepCanary stage", {"kind", "weight", "replicas", "analysis"}, {}, {}, true);
  add("blueGreen", "Argo-Rollouts-style blue-green with preview and active load balancers",
       {"application", "stack", "freeFormDetails", "cluster", "region", "availabilityZones", "activeLoadBalancer",
        "previewLoadBalancer", "previewReplicaCount", "autoPromotionEnabled", "autoPromotionSeconds",
        "scaleDownDelaySeconds", "abortScaleDownDelaySeconds", "prePromotionAnalysis", "postPromotionAnalysis", "canary",
        "replicas"},
       kCloud, {});

  // Work outside the cloud, modelled.
  add("bake", modelled,
       {}, {"baseOs", "baseLabel", "baseAmi", "baseName", "package", "packageArtifactIds", "regions", "region", "user",
            "vmType", "storeType", "templateFileName", "extendedAttributes", "rebake", "enhancedNetworking",
            "showAdvancedOptions", "amiSuffix", "cloudProviderType", "cloudProvider", "varFileName"}, {});
  add("findImage", modelled + " (its outputs, e.g. amiName, come from the scenario)", {},
       join({kTarget, kCloud, {"onlyEnabled", "selectionStrategy", "imageNamePattern"}}), {});
  add("jenkins", modelled, {}, {"master", "job", "parameters", "propertyFile", "markUnstableAsSuccessful"}, {});
  add("script", modelled, {}, {"repoUrl", "repoBranch", "scriptPath", "command", "image", "account", "cluster", "cmc",
                                "propertyFile", "user", "waitForCompletion"}, {});
  add("webhook", modelled, {}, {"url", "method", "customHeaders", "payload", "statusUrlResolution", "statusUrlJsonPath",
                                 "statusJsonPath", "successStatuses", "canceledStatuses", "terminalStatuses",
                                 "waitForCompletion", "failFastStatusCodes", "progressJsonPath", "retryStatusCodes",
                                 "signalCancellation", "cancelEndpoint", "cancelMethod", "cancelPayload", "waitBeforeMonitor"}, {});
  add("evaluateDeploymentHealth", modelled + " (a monitored deploy's deployment monitor)", {}, {"deploymentMonitor"}, {});

  // Kubernetes manifest stages (docs/stages.md, "Kubernetes").
  add("deployManifest", "applies manifests: ReplicaSets, Deployments, Services, ConfigMaps and Secrets run; other kinds are recorded",
       {"manifests", "manifest", "source", "manifestArtifactId", "requiredArtifactIds", "requiredArtifacts", "moniker",
        "namespaceOverride", "trafficManagement", "skipExpressionEvaluation", "versioned"},
       join({kCloud, {"manifestArtifactAccount", "manifestArtifact", "enableArtifactBinding", "noOutput",
                      "skipSpecTemplateLabels"}}),
       {"labelSelectors"});
  add("scaleManifest", "sets spec.replicas of a ReplicaSet or Deployment and waits until stable",
       join({kManifestTarget, {"replicas"}}), kCloud, {});
  add("enableManifest", "adds the Services' selector labels to the target's pods (a Deployment rolls out)",
       join({kManifestTarget, {"loadBalancers"}}), join({kCloud, {"targetPercentage"}}), {});
  add("disableManifest", "removes the Services' selector labels; pods keep running",
       join({kManifestTarget, {"loadBalancers"}}), join({kCloud, {"targetPercentage"}}), {});
  add("deleteManifest", "deletes the target (or every object of kinds matching labelSelectors); no wait",
       join({kManifestTarget, {"options", "kinds", "labelSelectors"}}), kCloud, {});
  add("patchManifest", "merges patchBody into the target: replicas scale, a Deployment's template rolls out",
       join({kManifestTarget, {"patchBody", "options", "source", "skipExpressionEvaluation"}}), kCloud,
       {"manifestArtifactId", "requiredArtifactIds", "requiredArtifacts"});
  add("undoRolloutManifest", "rolls a Deployment back numRevisionsBack revisions (or to revision); needs a manifestName, as in Orca",
       join({kManifestTarget, {"numRevisionsBack", "revision"}}), kCloud, {});
  add("findArtifactsFromResource", "reads the target: context.manifest and its docker/image artifacts",
       kManifestTarget, kCloud, {});
  add("runJobManifest", "runs a Job (recreated each run) whose duration, outcome and properties the scenario models",
       {"manifest", "application", "namespace", "propertyFile", "waitForCompletion", "source", "alias"},
       join({kCloud, {"consumeArtifactSource", "consumeArtifactAccount"}}), {"manifestArtifactId", "consumeArtifactId"});
  add("runJob", "runJobManifest when it carries a Kubernetes manifest, else modelled work",
       {"manifest", "application", "namespace", "propertyFile", "waitForCompletion", "source", "alias"},
       join({kCloud, {"consumeArtifactSource", "consumeArtifactAccount", "containers", "cluster"}}), {"manifestArtifactId"});
  add("bakeManifest", "modelled render: one embedded/base64 artifact named outputName (manifests from the scenario)",
       {"outputName", "templateRenderer"},
       {"inputArtifacts", "inputArtifact", "overrides", "evaluateOverrideExpressions", "rawOverrides", "namespace",
        "apiVersions", "kubeVersion", "includeCRDs", "helmChartFilePath", "kustomizeFilePath", "helmfileFilePath"},
       {});

  // Refused: legacy types of real exports.
  const std::string kayenta = "use kayentaCanary (Kayenta's analysis) or stepCanary instead";
  add("canary", "", {}, {}, {}, false,
       "Netflix's pre-Kayenta canary (ACA on the internal Mine service), removed from Orca; " + kayenta);
  add("deployCanary", "", {}, {}, {}, false,
       "the deploy half of the pre-Kayenta canary stage, removed from Orca; deploy baseline and canary with deploy or "
       "deployManifest stages, then " + kayenta);
  add("monitorCanary", "", {}, {}, {}, false, "the monitoring half of the pre-Kayenta canary stage, removed from Orca; " + kayenta);
  add("acaTask", "", {}, {}, {}, false, "the pre-Kayenta canary's analysis task; " + kayenta);
  std::sort(t.begin(), t.end(), [](const StageFields& a, const StageFields& b) { return a.type < b.type; });
  return t;
}

bool listed(const Fields& fields, const std::string& name) {
  return std::find(fields.begin(), fields.end(), name) != fields.end();
}

std::string code_list(const Fields& fields) {
  if (fields.empty()) return "–";
  Fields sorted = fields;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string out;
  for (const std::string& f : sorted) out += (out.empty() ? "" : ", ") + ("`" + f + "`");
  return out;
}

}  // namespace

const std::vector<StageFields>& stage_field_table() {
  static const std::vector<StageFields> table = build();
  return table;
}

const StageFields* stage_fields(const std::string& type) {
  for (const StageFields& f : stage_field_table()) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

const std::vector<std::string>& common_supported_fields() {
  static const Fields fields = {"refId", "requisiteStageRefIds", "type", "name", "stageEnabled", "failPipeline",
                                "continuePipeline", "completeOtherBranchesThenFail", "stageTimeoutMs",
                                "markSuccessfulOnTimeout", "restrictExecutionDuringTimeWindow",
                                "restrictedExecutionWindow", "expectedArtifacts"};
  return fields;
}

const std::vector<std::string>& common_ignored_fields() {
  static const Fields fields = {"comments", "notifications", "sendNotifications", "overrideTimeout", "isNew", "group",
                                "id", "alias", "failOnFailedExpressions", "skipWindowText", "backoffPeriodMs",
                                "manualSkip", "startTimeExpiry", "propagateAuthenticationContext"};
  return fields;
}

std::string unsupported_type_reason(const std::string& type) {
  const StageFields* f = stage_fields(type);
  if (f != nullptr && !f->refusal.empty()) return "refused: " + f->refusal;
  return "unknown to deploysim (docs/stages.md lists the types it runs)";
}

std::vector<std::string> check_stage_fields(const PipelineConfig& pipeline, const std::string& source) {
  std::vector<std::string> warnings;
  for (const StageConfig& s : pipeline.stages) {
    const StageFields* f = stage_fields(s.type);
    if (f == nullptr || !f->refusal.empty() || !s.context.is_object()) continue;  // the loader refuses those
    for (auto it = s.context.begin(); it != s.context.end(); ++it) {
      const std::string& key = it.key();
      if (listed(f->supported, key) || listed(f->ignored, key) || listed(common_supported_fields(), key) ||
          listed(common_ignored_fields(), key)) {
        continue;
      }
      const std::string where = source + ": pipeline \"" + pipeline.name + "\": stage refId " + s.ref_id + " \"" + s.name +
                                "\" (" + s.type + "): ";
      if (listed(f->unsupported, key)) {
        warnings.push_back(where + "field \"" + key + "\" is not modelled: the stage runs as if it were absent (docs/stages.md)");
      } else {
        warnings.push_back(where + "unknown field \"" + key + "\" (a typo? the fields of " + s.type +
                           " are listed in docs/stages.md)");
      }
    }
  }
  return warnings;
}

std::string stages_markdown() {
  std::ostringstream md;
  md << "# Stage types\n\n"
     << "Every stage type deploysim knows, and what it does with each field of a stage. This file is\n"
     << "generated by `deploysim stages --markdown` from the table `deploysim validate` checks pipelines\n"
     << "against (`strategies/stages/stage_fields.cc`); a test keeps the two the same.\n\n"
     << "- **supported**: the field changes what the stage does in deploysim, as it does in Spinnaker;\n"
     << "- **ignored**: accepted, with no effect here (accounts, providers, machine and UI details);\n"
     << "- **not modelled**: Spinnaker would act on it and deploysim does not: `validate` warns;\n"
     << "- any other field: `validate` warns that it is unknown (usually a typo), naming the file,\n"
     << "  pipeline, stage and field. A stage type not listed here, or listed as refused, is an error.\n\n"
     << "Only a stage's own keys are checked, not the insides of objects such as `clusters[]` or\n"
     << "`manifests[]`.\n\n"
     << "Every stage also accepts Orca's built-in fields: supported " << code_list(common_supported_fields())
     << "; ignored " << code_list(common_ignored_fields()) << ".\n\n"
     << "Stages marked *synthetic* are planned by other stages; pipelines may name them too.\n\n"
     << "## Stage types deploysim runs\n\n"
     << "| type | what it does here | supported | ignored | not modelled |\n|---|---|---|---|---|\n";
  for (const StageFields& f : stage_field_table()) {
    if (!f.refusal.empty()) continue;
    md << "| `" << f.type << "`" << (f.synthetic ? " (synthetic)" : "") << " | " << f.summary << " | "
       << code_list(f.supported) << " | " << code_list(f.ignored) << " | " << code_list(f.unsupported) << " |\n";
  }
  md << "\n## Refused stage types\n\n| type | why |\n|---|---|\n";
  for (const StageFields& f : stage_field_table()) {
    if (!f.refusal.empty()) md << "| `" << f.type << "` | " << f.refusal << " |\n";
  }
  md << "\n## Kubernetes\n\n"
     << "Manifest stages act on the provider's Kubernetes account: namespaces are the world's regions, a\n"
     << "versioned ReplicaSet `name-vNNN` is a server group, a Deployment owns one server group per\n"
     << "template revision (rolled by Kubernetes' rules: maxSurge and maxUnavailable, 25% by default;\n"
     << "`Recreate`; progressDeadlineSeconds, 600 s by default), a Service is the world's load balancer of\n"
     << "the same name, and pods are instances, Ready once they serve with a healthy endpoint and, behind a\n"
     << "Service, once the Service's checks put them in service. A Service sends traffic to every pod whose\n"
     << "labels include its selector; enable and disable add and remove the selector labels of the Services\n"
     << "in the workload's `traffic.spinnaker.io/load-balancers` annotation. deployManifest then waits for\n"
     << "stability (5 s polls, 30 minutes or `stageTimeoutMs`), applies `max-version-history`, and with\n"
     << "`trafficManagement` and strategy `redblack`/`bluegreen` disables every other ReplicaSet of the\n"
     << "cluster (deleting those it saw never ready), or with `highlander` disables and deletes them.\n"
     << "Targets are static (`manifestName`) or\n"
     << "dynamic (`cluster` + `criteria`: `newest`, `second_newest`, `oldest`, `largest`, `smallest`),\n"
     << "resolved when the stage starts. Images name versions through `versions[].images` in the scenario;\n"
     << "trigger artifacts (`trigger.artifacts`) bind into containers whose image is the artifact's name.\n"
     << "The semantics follow ../shared/reference/spinnaker-kubernetes-stages.md; what differs:\n\n"
     << "- a Deployment's ReplicaSets are named `name-vNNN` (Kubernetes names them by template hash);\n"
     << "- readiness has no probe thresholds of its own: behind a Service it is the Service's health check;\n"
     << "- a Service must exist as a load balancer in the scenario's world (its selector comes from the\n"
     << "  manifest); Ingresses, StatefulSets, DaemonSets, CronJobs, bare Pods and custom resources are\n"
     << "  recorded and reported as ignored kinds;\n"
     << "- a template patch on a ReplicaSet changes the traffic of its existing pods too (Kubernetes would\n"
     << "  apply it only to pods created later).\n";
  return md.str();
}

}  // namespace deploysim::strategies
