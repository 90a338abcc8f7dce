{{/* Chart-wide render-time checks the JSON schema cannot express; included from configmap.yaml. */}}
{{- define "pulse.validate" -}}
{{- $s := .Values.secrets -}}
{{- if and .Values.kafka.sasl.enabled (not $s.existingSecret) (not $s.kafkaSaslPassword) -}}
{{- fail "kafka.sasl.enabled needs secrets.kafkaSaslPassword (or secrets.existingSecret)" -}}
{{- end -}}
{{- if and .Values.kafka.sasl.enabled (not .Values.kafka.sasl.username) -}}
{{- fail "kafka.sasl.enabled needs kafka.sasl.username" -}}
{{- end -}}
{{- if and .Values.kafka.sasl.enabled $s.existingSecret (not $s.keys.kafkaSaslPassword) -}}
{{- fail "kafka.sasl.enabled with secrets.existingSecret needs secrets.keys.kafkaSaslPassword" -}}
{{- end -}}
{{- if not $s.existingSecret -}}
{{- range $name := list "apiKeys" "reportingTokens" "alertWriteTokens" "alertReadTokens" "slackWebhookUrl" "kafkaSaslPassword" "influxToken" "influxReadToken" -}}
{{- if not (index $s.keys $name) -}}
{{- fail (printf "secrets.keys.%s may only be empty with secrets.existingSecret" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $s.influxToken (eq $s.influxToken $s.influxReadToken) -}}
{{- fail "secrets.influxReadToken is the same as secrets.influxToken: reporting must hold a read-only InfluxDB token, not aggregation's write token" -}}
{{- end -}}
{{- if and $s.influxToken (not $s.influxReadToken) (not $s.existingSecret) .Values.reporting.enabled -}}
{{- fail "secrets.influxToken is set but secrets.influxReadToken is not: reporting reads InfluxDB with its own read-only token (a v2 read-only API token, or user:password of a 1.x user with READ)" -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- fail "image.digest would pin all six images to one digest, but a digest names exactly one image: set <service>.image.digest for each service and topics.job.image.digest for the CLI instead" -}}
{{- end -}}
{{- /* NetworkPolicy peers in one entry are ANDed: a pod label alone can be put on by anyone who
can create a pod in any namespace, so a scraper is admitted only by namespace and pod label. */ -}}
{{- range $i, $peer := .Values.networkPolicy.metricsFrom -}}
{{- $ns := $peer.namespaceSelector | default dict -}}
{{- $pod := $peer.podSelector | default dict -}}
{{- if or $peer.ipBlock (not (or $ns.matchLabels $ns.matchExpressions)) (not (or $pod.matchLabels $pod.matchExpressions)) -}}
{{- fail (printf "networkPolicy.metricsFrom[%d] must select scrapers by namespace and pod label together (a non-empty namespaceSelector and podSelector in the same entry, no ipBlock): a pod label alone admits any pod that labels itself as Prometheus, in any namespace" $i) -}}
{{- end -}}
{{- end -}}
{{- $enabled := 0 -}}
{{- range $component := splitList " " (include "pulse.components" $) -}}
{{- if (index $.Values $component).enabled -}}{{- $enabled = add1 $enabled -}}{{- end -}}
{{- end -}}
{{- if eq $enabled 0 -}}
{{- fail "every service is disabled: enable at least one of ingestion, enrichment, aggregation, alert, reporting" -}}
{{- end -}}
{{- end -}}
