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
{{- range $name := list "apiKeys" "reportingTokens" "slackWebhookUrl" "kafkaSaslPassword" "influxToken" -}}
{{- if not (index $s.keys $name) -}}
{{- fail (printf "secrets.keys.%s may only be empty with secrets.existingSecret" $name) -}}
{{- end -}}
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
