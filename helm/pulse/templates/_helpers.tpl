{{/* vim: set filetype=mustache: */}}

{{/*
The five services, in pipeline order. Every per-service template ranges over this list.
*/}}
{{- define "pulse.components" -}}
ingestion enrichment aggregation alert reporting
{{- end -}}

{{/*
Facts about each service that are fixed by the code, not by configuration:
- consumer (Kafka consumers only): the topics its main consumer group reads (without
  `topics.prefix`), the group's default name (the code's default of `PULSE_CONSUMER_GROUP`), and
  whether its committed offsets follow what it handled (`commitsAsHandled`). Aggregation and
  alert commit the first offset their state still needs, far behind what they handled, so
  committed-offset lag says nothing about their backlog;
- whether it takes external traffic, and which secrets and backends it uses.
*/}}
{{- define "pulse.componentFacts" -}}
ingestion:
  external: true
  secrets: [apiKeys]
  backends: []
enrichment:
  external: false
  consumer: {topics: [events.raw], group: pulse-enrichment, commitsAsHandled: true}
  secrets: []
  backends: []
aggregation:
  external: false
  consumer: {topics: [events.enriched], group: pulse-aggregation, commitsAsHandled: false}
  secrets: [influxToken]
  backends: [influxdb]
alert:
  external: false
  # The evaluator's group; the notifiers' groups (<group>-notifier, <group>-nats) are paced by
  # Slack and NATS, not by CPU or replicas.
  consumer: {topics: [events.enriched, metrics.windowed, dead-letter, alerts.signals], group: pulse-alert, commitsAsHandled: false}
  secrets: [slackWebhookUrl, alertWriteTokens, alertReadTokens]
  backends: [nats, slack]
reporting:
  external: true
  # The read-only InfluxDB token, never aggregation's write token.
  secrets: [reportingTokens, influxReadToken]
  backends: [influxdb]
{{- end -}}

{{- define "pulse.facts" -}}
{{- index (include "pulse.componentFacts" . | fromYaml) .component | toYaml -}}
{{- end -}}

{{/* Chart name. */}}
{{- define "pulse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified prefix of every object name. */}}
{{- define "pulse.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of a per-service object: (dict "ctx" $ "component" "ingestion") */}}
{{- define "pulse.resourceName" -}}
{{- printf "%s-%s" (include "pulse.fullname" .ctx | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component -}}
{{- end -}}

{{/* chart label value */}}
{{- define "pulse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object: (dict "ctx" $ "component" "ingestion"), component optional. */}}
{{- define "pulse.labels" -}}
helm.sh/chart: {{ include "pulse.chart" .ctx }}
{{ include "pulse.selectorLabels" . }}
{{- if .ctx.Chart.AppVersion }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/part-of: pulse
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- with .ctx.Values.global.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels: (dict "ctx" $ "component" "ingestion"), component optional. */}}
{{- define "pulse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pulse.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{/*
Deep merge where null means "inherit": copies every non-null value of .src into .dst (mutated in
place). Maps merge key by key, anything else (lists, scalars) replaces. Unlike mergeOverwrite, an
explicit false or 0 in .src wins.
*/}}
{{- define "pulse.mergeInto" -}}
{{- $dst := .dst -}}
{{- range $key, $value := .src -}}
{{- if kindIs "invalid" $value -}}
{{- else if and (kindIs "map" $value) (kindIs "map" (index $dst $key)) -}}
{{- include "pulse.mergeInto" (dict "dst" (index $dst $key) "src" $value) -}}
{{- else -}}
{{- $_ := set $dst $key (deepCopy $value) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Effective values of one service: `defaults` merged with the service's own key.
Usage: {{- $c := dict -}}{{- include "pulse.componentValues" (dict "ctx" $ "component" "ingestion" "out" $c) -}}
(filled into "out" so numbers keep their types; no YAML round trip).
*/}}
{{- define "pulse.componentValues" -}}
{{- $out := .out -}}
{{- include "pulse.mergeInto" (dict "dst" $out "src" (deepCopy .ctx.Values.defaults)) -}}
{{- include "pulse.mergeInto" (dict "dst" $out "src" (index .ctx.Values .component)) -}}
{{- $envOut := dict -}}
{{- range $k, $v := $out.env -}}
{{- if not (kindIs "invalid" $v) -}}{{- $_ := set $envOut $k $v -}}{{- end -}}
{{- end -}}
{{- $_ := set $out "env" $envOut -}}
{{- $facts := include "pulse.facts" . | fromYaml -}}
{{- $_ := set $out "facts" $facts -}}
{{- /* The Deployment always names its group, so what KEDA watches is what the service joins. */ -}}
{{- if and $facts.consumer (not (hasKey $out.env "PULSE_CONSUMER_GROUP")) (not (include "pulse.extraEnvEntry" (dict "c" $out "name" "PULSE_CONSUMER_GROUP"))) -}}
{{- $_ := set $out.env "PULSE_CONSUMER_GROUP" (include "pulse.consumerGroup" (dict "component" .component "c" $out)) -}}
{{- end -}}
{{- include "pulse.validateComponent" (dict "ctx" .ctx "component" .component "c" $out) -}}
{{- end -}}

{{/* Render-time checks the JSON schema cannot express. */}}
{{- define "pulse.validateComponent" -}}
{{- $c := .c -}}
{{- if and $c.autoscaling.enabled $c.autoscaling.keda.enabled (not $c.facts.consumer) -}}
{{- fail (printf "%s.autoscaling.keda.enabled: %s is not a Kafka consumer; scale it with the HPA (keda.enabled=false)" .component .component) -}}
{{- end -}}
{{- $args := dict "ctx" .ctx "component" .component "c" $c -}}
{{- if and $c.autoscaling.enabled (gt (int $c.autoscaling.minReplicas) (int (include "pulse.maxReplicas" $args))) -}}
{{- fail (printf "%s.autoscaling: minReplicas (%v) is above maxReplicas (%v, at most topics.partitions for a Kafka consumer)" .component $c.autoscaling.minReplicas (include "pulse.maxReplicas" $args)) -}}
{{- end -}}
{{- if and $c.autoscaling.enabled (not $c.autoscaling.keda.enabled) (kindIs "invalid" $c.autoscaling.targetCPUUtilizationPercentage) (kindIs "invalid" $c.autoscaling.targetMemoryUtilizationPercentage) -}}
{{- fail (printf "%s.autoscaling: the HPA needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" .component) -}}
{{- end -}}
{{- /* A utilisation target is a percentage of the request: without one the HPA cannot compute it. */ -}}
{{- $requests := (($c.resources | default dict).requests) | default dict -}}
{{- if and (include "pulse.usesHpa" $args) (not (kindIs "invalid" $c.autoscaling.targetCPUUtilizationPercentage)) (not $requests.cpu) -}}
{{- fail (printf "%s.autoscaling: targetCPUUtilizationPercentage needs %s.resources.requests.cpu (utilisation is a percentage of the request)" .component .component) -}}
{{- end -}}
{{- if and (include "pulse.usesHpa" $args) (not (kindIs "invalid" $c.autoscaling.targetMemoryUtilizationPercentage)) (not $requests.memory) -}}
{{- fail (printf "%s.autoscaling: targetMemoryUtilizationPercentage needs %s.resources.requests.memory (utilisation is a percentage of the request)" .component .component) -}}
{{- end -}}
{{- if include "pulse.usesKeda" $args -}}
{{- $k := $c.autoscaling.keda -}}
{{- if and (eq $k.lagSource "kafka") (not $c.facts.consumer.commitsAsHandled) -}}
{{- fail (printf "%s.autoscaling.keda.lagSource: kafka reads committed offsets, and %s commits the first offset its state still needs (far behind what it handled), so the lag would hold it at maxReplicas; use prometheus (pulse_kafka_consumer_lag)" .component .component) -}}
{{- end -}}
{{- if and (eq $k.lagSource "prometheus") (not $k.prometheus.serverAddress) -}}
{{- fail (printf "%s.autoscaling.keda.prometheus.serverAddress: the Prometheus that scrapes Pulse's /metrics is required with lagSource prometheus" .component) -}}
{{- end -}}
{{- $extra := include "pulse.extraEnvEntry" (dict "c" $c "name" "PULSE_CONSUMER_GROUP") | fromYaml -}}
{{- if and $extra (not (hasKey $extra "value")) -}}
{{- fail (printf "%s.extraEnv: PULSE_CONSUMER_GROUP comes from valueFrom, which the chart cannot read, so KEDA could not watch the group; set it in %s.env" .component .component) -}}
{{- end -}}
{{- if not (include "pulse.consumerGroup" $args) -}}
{{- fail (printf "%s: PULSE_CONSUMER_GROUP is empty; KEDA needs the group the service joins" .component) -}}
{{- end -}}
{{- end -}}
{{- /* A PDB asking for at least as many pods as the floor blocks every node drain. */ -}}
{{- $floor := int (include "pulse.minReplicas" $args) -}}
{{- if and $c.pdb.enabled (gt $floor 1) (not (kindIs "invalid" $c.pdb.minAvailable)) (not (kindIs "string" $c.pdb.minAvailable)) -}}
{{- if ge (int $c.pdb.minAvailable) $floor -}}
{{- fail (printf "%s.pdb.minAvailable (%v) must be below the replica floor (%d, minReplicas or replicas), or no pod could ever be evicted" .component $c.pdb.minAvailable $floor) -}}
{{- end -}}
{{- end -}}
{{- if and $c.pdb.enabled (gt $floor 1) (kindIs "invalid" $c.pdb.minAvailable) (not (kindIs "string" $c.pdb.maxUnavailable)) (lt (int $c.pdb.maxUnavailable) 1) -}}
{{- fail (printf "%s.pdb.maxUnavailable must be at least 1, or no pod could ever be evicted" .component) -}}
{{- end -}}
{{- if and (hasKey $c.env "PULSE_RATE_LIMIT_BURST") (hasKey $c.env "PULSE_BATCH_MAX_EVENTS") -}}
{{- if lt (int (include "pulse.envValue" $c.env.PULSE_RATE_LIMIT_BURST)) (int (include "pulse.envValue" $c.env.PULSE_BATCH_MAX_EVENTS)) -}}
{{- fail (printf "%s.env: PULSE_RATE_LIMIT_BURST (%v) must be at least PULSE_BATCH_MAX_EVENTS (%v), or a full batch could never pass" .component $c.env.PULSE_RATE_LIMIT_BURST $c.env.PULSE_BATCH_MAX_EVENTS) -}}
{{- end -}}
{{- end -}}
{{- if hasKey $c.env "PULSE_REFERENCE_LOAD_TIMEOUT_MS" -}}
{{- $loadSeconds := div (int (include "pulse.envValue" $c.env.PULSE_REFERENCE_LOAD_TIMEOUT_MS)) 1000 -}}
{{- $probeSeconds := mul (int $c.startupProbe.periodSeconds) (int $c.startupProbe.failureThreshold) -}}
{{- if lt $probeSeconds (add $loadSeconds 10) -}}
{{- fail (printf "%s.startupProbe allows %d s (periodSeconds × failureThreshold) but PULSE_REFERENCE_LOAD_TIMEOUT_MS is %v ms: the kubelet would kill the pod before the reference load can finish or time out; allow at least %d s (raise %s.startupProbe.failureThreshold)" .component $probeSeconds (include "pulse.envValue" $c.env.PULSE_REFERENCE_LOAD_TIMEOUT_MS) (add $loadSeconds 10) .component) -}}
{{- end -}}
{{- end -}}
{{- if gt (add (int $c.preStopSleepSeconds) 5) (int $c.terminationGracePeriodSeconds) -}}
{{- fail (printf "%s: terminationGracePeriodSeconds (%v) must leave at least 5 s after preStopSleepSeconds (%v) for the graceful shutdown" .component $c.terminationGracePeriodSeconds $c.preStopSleepSeconds) -}}
{{- end -}}
{{- if and $c.autoscaling.enabled (not $c.autoscaling.keda.enabled) (lt (int $c.autoscaling.minReplicas) 1) -}}
{{- fail (printf "%s.autoscaling.minReplicas: an HPA needs at least 1 (scale to zero needs keda.enabled)" .component) -}}
{{- end -}}
{{- end -}}

{{/* Whether the service scales automatically with KEDA ("true"/""). */}}
{{- define "pulse.usesKeda" -}}
{{- if and .c.autoscaling.enabled .c.autoscaling.keda.enabled -}}true{{- end -}}
{{- end -}}

{{/* Whether the service scales automatically with a HorizontalPodAutoscaler ("true"/""). */}}
{{- define "pulse.usesHpa" -}}
{{- if and .c.autoscaling.enabled (not .c.autoscaling.keda.enabled) -}}true{{- end -}}
{{- end -}}

{{/*
Highest replica count of an autoscaled service: `autoscaling.maxReplicas`, and for a Kafka
consumer at most `topics.partitions` (one partition feeds one consumer of a group; more sit idle
and still pay every rebalance).
*/}}
{{- define "pulse.maxReplicas" -}}
{{- $max := int .c.autoscaling.maxReplicas -}}
{{- if .c.facts.consumer -}}{{- $max = min $max (int .ctx.Values.topics.partitions) -}}{{- end -}}
{{- $max -}}
{{- end -}}

{{/*
Name of the service's consumer group, as the service gets it: a literal `PULSE_CONSUMER_GROUP`
in `extraEnv` (listed last, so it wins), else in `env`, else the code's default. Empty for a
service that consumes nothing, or when `extraEnv` takes it from `valueFrom`.
*/}}
{{- define "pulse.consumerGroup" -}}
{{- if .c.facts.consumer -}}
{{- $group := .c.facts.consumer.group -}}
{{- if hasKey .c.env "PULSE_CONSUMER_GROUP" -}}{{- $group = include "pulse.envValue" .c.env.PULSE_CONSUMER_GROUP -}}{{- end -}}
{{- with include "pulse.extraEnvEntry" (dict "c" .c "name" "PULSE_CONSUMER_GROUP") | fromYaml -}}
{{- $group = toString (.value | default "") -}}
{{- end -}}
{{- $group -}}
{{- end -}}
{{- end -}}

{{/* The last `extraEnv` entry named .name, as YAML; empty when there is none. */}}
{{- define "pulse.extraEnvEntry" -}}
{{- $found := dict -}}
{{- $name := .name -}}
{{- range .c.extraEnv -}}{{- if eq (toString .name) $name -}}{{- $found = . -}}{{- end -}}{{- end -}}
{{- if $found -}}{{- toYaml $found -}}{{- end -}}
{{- end -}}

{{/*
PromQL of a consumer's backlog: Pulse's own lag gauge (`pulse_kafka_consumer_lag`, high watermark
minus the next offset to handle, per partition, set by the consumer runner after each batch),
summed over the partitions of the service's group and input topics in the release namespace.
`max by (topic, partition)` counts a partition once while two pods report it around a rebalance.
*/}}
{{- define "pulse.lagQuery" -}}
{{- $prefix := .ctx.Values.topics.prefix -}}
{{- $topics := list -}}
{{- range .c.facts.consumer.topics -}}
{{- $topics = append $topics (printf "%s%s" $prefix . | regexQuoteMeta | replace "\\" "\\\\") -}}
{{- end -}}
{{- printf "sum(max by (topic, partition) (pulse_kafka_consumer_lag{namespace=%q, group=%q, topic=~\"%s\"}))" .ctx.Release.Namespace (include "pulse.consumerGroup" .) (join "|" $topics) -}}
{{- end -}}

{{/* Lowest replica count the service runs with (for the PDB decision). */}}
{{- define "pulse.minReplicas" -}}
{{- if .c.autoscaling.enabled -}}{{ int .c.autoscaling.minReplicas }}{{- else -}}{{ int .c.replicas }}{{- end -}}
{{- end -}}

{{/*
Image reference: (dict "ctx" $ "image" <service image values> "name" "<service or cli>").
registry: global.imageRegistry > image.registry; repository: the service's > <image.repository>-<name>;
tag: the service's > image.tag > appVersion; digest: the service's own only (a digest names one
image, so no digest is shared between images).
*/}}
{{- define "pulse.image" -}}
{{- $img := .image | default dict -}}
{{- $root := .ctx.Values.image -}}
{{- $registry := coalesce .ctx.Values.global.imageRegistry $root.registry "" -}}
{{- $repository := coalesce $img.repository (printf "%s-%s" $root.repository .name) -}}
{{- $tag := coalesce $img.tag $root.tag .ctx.Chart.AppVersion | toString -}}
{{- $digest := $img.digest | default "" -}}
{{- if $registry }}{{ $registry | trimSuffix "/" }}/{{ end -}}
{{- $repository -}}
{{- if $tag }}:{{ $tag }}{{ end -}}
{{- if $digest }}@{{ $digest }}{{ end -}}
{{- end -}}

{{/* Name of the service's ServiceAccount. */}}
{{- define "pulse.serviceAccountName" -}}
{{- if .c.serviceAccount.create -}}
{{- include "pulse.resourceName" . -}}
{{- else -}}
default
{{- end -}}
{{- end -}}

{{/* Name of the chart's Secret or of the existing one. */}}
{{- define "pulse.secretName" -}}
{{- default (printf "%s-secrets" (include "pulse.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Name of the shared ConfigMap. */}}
{{- define "pulse.configMapName" -}}
{{- printf "%s-config" (include "pulse.fullname" .) -}}
{{- end -}}

{{/*
Secret keys (logical names from `secrets.keys`) a given service mounts, as a YAML list of
{name: <logical>, key: <key in the Secret>, env: <VAR_FILE>}. A key is mounted when:
- apiKeys / reportingTokens / alertWriteTokens / alertReadTokens: always (an empty chart-rendered file = nobody is authorised);
- kafkaSaslPassword: when kafka.sasl.enabled;
- slackWebhookUrl / influxToken / influxReadToken: when the chart renders a value, or with existingSecret when its key name is set.
*/}}
{{- define "pulse.secretMounts" -}}
{{- $ctx := .ctx -}}
{{- $s := $ctx.Values.secrets -}}
{{- $env := dict "apiKeys" "PULSE_API_KEYS_FILE" "reportingTokens" "PULSE_REPORTING_TOKENS_FILE" "slackWebhookUrl" "PULSE_SLACK_WEBHOOK_URL_FILE" "kafkaSaslPassword" "PULSE_KAFKA_SASL_PASSWORD_FILE" "influxToken" "PULSE_INFLUX_TOKEN_FILE" "influxReadToken" "PULSE_INFLUX_READ_TOKEN_FILE" "alertWriteTokens" "PULSE_ALERT_WRITE_TOKENS_FILE" "alertReadTokens" "PULSE_ALERT_READ_TOKENS_FILE" -}}
{{- $wanted := concat (list) .secrets -}}
{{- if $ctx.Values.kafka.sasl.enabled -}}{{- $wanted = append $wanted "kafkaSaslPassword" -}}{{- end -}}
{{- $mounts := list -}}
{{- range $name := $wanted -}}
{{- $key := index $s.keys $name -}}
{{- $present := false -}}
{{- if $s.existingSecret -}}
{{- $present = not (empty $key) -}}
{{- else if has $name (list "apiKeys" "reportingTokens" "alertWriteTokens" "alertReadTokens" "kafkaSaslPassword") -}}
{{- $present = true -}}
{{- else -}}
{{- $present = not (empty (index $s $name)) -}}
{{- end -}}
{{- if $present -}}
{{- $mounts = append $mounts (dict "name" $name "key" $key "env" (index $env $name)) -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "mounts" $mounts) -}}
{{- end -}}

{{/* Lines `name:sha256` of a list of {name, sha256}. */}}
{{- define "pulse.hashFile" -}}
{{- range . }}
{{ .name }}:{{ .sha256 | lower }}
{{- end }}
{{- end -}}

{{/*
checksum/config of one service: the shared settings it reads from the ConfigMap, its alert
rules (alert only) and the secret material it mounts. A change to any of them rolls exactly the
services that read it.
*/}}
{{- define "pulse.configChecksum" -}}
{{- $ctx := .ctx -}}
{{- $parts := dict "common" (include "pulse.commonConfig" $ctx) -}}
{{- if eq .component "alert" -}}
{{- $_ := set $parts "rules" $ctx.Values.alert.rules -}}
{{- end -}}
{{- $mounts := (include "pulse.secretMounts" (dict "ctx" $ctx "secrets" .c.facts.secrets) | fromYaml).mounts -}}
{{- $secret := dict "name" (include "pulse.secretName" $ctx) -}}
{{- range $mounts -}}
{{- if $ctx.Values.secrets.existingSecret -}}
{{- $_ := set $secret .name .key -}}
{{- else -}}
{{- $_ := set $secret .name (include "pulse.secretValue" (dict "ctx" $ctx "name" .name)) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $parts "secret" $secret -}}
{{- toJson $parts | sha256sum -}}
{{- end -}}

{{/* Content of one chart-rendered secret key (logical name). */}}
{{- define "pulse.secretValue" -}}
{{- $s := .ctx.Values.secrets -}}
{{- if eq .name "apiKeys" -}}
{{- include "pulse.hashFile" $s.apiKeys | trim -}}
{{- else if eq .name "reportingTokens" -}}
{{- include "pulse.hashFile" $s.reportingTokens | trim -}}
{{- else if eq .name "alertWriteTokens" -}}
{{- include "pulse.hashFile" $s.alertWriteTokens | trim -}}
{{- else if eq .name "alertReadTokens" -}}
{{- include "pulse.hashFile" $s.alertReadTokens | trim -}}
{{- else -}}
{{- index $s .name -}}
{{- end -}}
{{- end -}}

{{/* The common settings (ConfigMap data, env var → value) every service reads through envFrom. */}}
{{- define "pulse.commonConfig" -}}
{{- $v := .Values -}}
PULSE_LOG_LEVEL: {{ $v.logLevel | quote }}
PULSE_KAFKA_BROKERS: {{ join "," $v.kafka.brokers | quote }}
PULSE_KAFKA_SSL: {{ $v.kafka.ssl | toString | quote }}
{{- if $v.kafka.sasl.enabled }}
PULSE_KAFKA_SASL_MECHANISM: {{ $v.kafka.sasl.mechanism | quote }}
PULSE_KAFKA_SASL_USERNAME: {{ $v.kafka.sasl.username | quote }}
{{- end }}
PULSE_TOPIC_PREFIX: {{ $v.topics.prefix | quote }}
PULSE_TOPIC_PARTITIONS: {{ int $v.topics.partitions | toString | quote }}
PULSE_TOPIC_REPLICATION_FACTOR: {{ int $v.topics.replicationFactor | toString | quote }}
PULSE_INFLUX_URL: {{ $v.influxdb.url | quote }}
PULSE_INFLUX_API: {{ $v.influxdb.api | quote }}
PULSE_INFLUX_DATABASE: {{ $v.influxdb.database | quote }}
PULSE_INFLUX_ORG: {{ $v.influxdb.org | quote }}
PULSE_INFLUX_BUCKET: {{ $v.influxdb.bucket | quote }}
PULSE_NATS_URL: {{ $v.nats.url | quote }}
{{- with $v.otel.endpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- with $v.otel.protocol }}
OTEL_EXPORTER_OTLP_PROTOCOL: {{ . | quote }}
{{- end }}
{{- with $v.otel.sampler }}
OTEL_TRACES_SAMPLER: {{ . | quote }}
{{- end }}
{{- with $v.otel.samplerArg }}
OTEL_TRACES_SAMPLER_ARG: {{ . | toString | quote }}
{{- end }}
{{- with $v.otel.resourceAttributes }}
OTEL_RESOURCE_ATTRIBUTES: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* An env value as a string: integers from values files arrive as float64. */}}
{{- define "pulse.envValue" -}}
{{- if kindIs "float64" . -}}{{ int64 . }}{{- else -}}{{ toString . }}{{- end -}}
{{- end -}}

{{/* Pod selector of the topic job (also used by its NetworkPolicy). */}}
{{- define "pulse.topicsJobName" -}}
{{- include "pulse.resourceName" (dict "ctx" . "component" "topics") -}}
{{- end -}}

{{/*
A Kubernetes memory quantity (512Mi, 1Gi, 1.5Gi, 800M, 1G, bytes) in MiB, rounded down; 0 when
it cannot be read (no limit).
*/}}
{{- define "pulse.memoryMi" -}}
{{- $q := toString . -}}
{{- if hasSuffix "Gi" $q -}}{{ mulf (float64 (trimSuffix "Gi" $q)) 1024 | int }}
{{- else if hasSuffix "Mi" $q -}}{{ float64 (trimSuffix "Mi" $q) | int }}
{{- else if hasSuffix "Ki" $q -}}{{ divf (float64 (trimSuffix "Ki" $q)) 1024 | int }}
{{- else if hasSuffix "G" $q -}}{{ mulf (float64 (trimSuffix "G" $q)) 953.674 | int }}
{{- else if hasSuffix "M" $q -}}{{ mulf (float64 (trimSuffix "M" $q)) 0.953674 | int }}
{{- else if regexMatch "^[0-9]+$" $q -}}{{ divf (float64 $q) 1048576 | int }}
{{- else -}}0
{{- end -}}
{{- end -}}

{{/*
NODE_OPTIONS sizing V8's heap from the container's memory limit (values `heap`): the old space
gets `oldSpacePercent` of the limit, the young generation 3 × `semiSpaceMi`; the rest of the limit
is code, Kafka fetch buffers and native memory. Empty when `heap` is off, there is no memory
limit, or the service sets NODE_OPTIONS itself (env or extraEnv).
*/}}
{{- define "pulse.nodeOptions" -}}
{{- $c := .c -}}
{{- $own := hasKey $c.env "NODE_OPTIONS" -}}
{{- range $c.extraEnv -}}{{- if eq (toString .name) "NODE_OPTIONS" -}}{{- $own = true -}}{{- end -}}{{- end -}}
{{- $heap := $c.heap | default dict -}}
{{- $percent := int ($heap.oldSpacePercent | default 0) -}}
{{- $limit := 0 -}}
{{- if and $c.resources $c.resources.limits $c.resources.limits.memory -}}
{{- $limit = int (include "pulse.memoryMi" $c.resources.limits.memory) -}}
{{- end -}}
{{- if and (not $own) (gt $percent 0) (gt $limit 0) -}}
--max-old-space-size={{ div (mul $limit $percent) 100 }}
{{- with $heap.semiSpaceMi }} --max-semi-space-size={{ int . }}{{ end }}
{{- end -}}
{{- end -}}
