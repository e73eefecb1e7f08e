{{- /* Generated from src/config/schema.ts by `make chart-values`: do not edit. */ -}}

{{- /* The configuration keys whose values are YAML structures, passed to fxa-gate as JSON. */ -}}
{{- define "fxa-gate.structuredConfigKeys" -}}
rules brandingPlanNames
{{- end }}
