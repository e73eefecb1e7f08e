{{/*
Names, labels and the few derived values that several templates share.
*/}}

{{- define "fxa-gate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-fxa-gate, or the release name alone when it already holds the chart name. */}}
{{- define "fxa-gate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "fxa-gate.redisFullname" -}}
{{- printf "%s-redis" (include "fxa-gate.fullname" . | trunc 57 | trimSuffix "-") }}
{{- end }}

{{- define "fxa-gate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels never change after the first install: they are immutable in a Deployment. */}}
{{- define "fxa-gate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fxa-gate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gate
{{- end }}

{{- define "fxa-gate.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "fxa-gate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "fxa-gate.commonLabels" -}}
helm.sh/chart: {{ include "fxa-gate.chart" . }}
app.kubernetes.io/part-of: fxa-gate
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "fxa-gate.labels" -}}
{{ include "fxa-gate.selectorLabels" . }}
{{ include "fxa-gate.commonLabels" . }}
{{- end }}

{{- define "fxa-gate.redisLabels" -}}
{{ include "fxa-gate.redisSelectorLabels" . }}
{{ include "fxa-gate.commonLabels" . }}
{{- end }}

{{- define "fxa-gate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fxa-gate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "fxa-gate.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/* The port of a host:port listen address (config.listen, config.adminListen). */}}
{{- define "fxa-gate.portOf" -}}
{{- splitList ":" . | last }}
{{- end }}

{{/* The ConfigMap holding the FXA_GATE_* variables: existingConfigMap or the one the chart creates. */}}
{{- define "fxa-gate.configMapName" -}}
{{- default (include "fxa-gate.fullname" .) .Values.existingConfigMap }}
{{- end }}

{{/* The environment variable of a configuration key: clientId → FXA_GATE_CLIENT_ID. */}}
{{- define "fxa-gate.envName" -}}
{{- printf "FXA_GATE_%s" (regexReplaceAll "([a-z0-9])([A-Z])" . "${1}_${2}" | upper) }}
{{- end }}

{{/* Several pods run (or may, under an autoscaler): what sessions and assertion keys must be shared for. */}}
{{- define "fxa-gate.multiReplica" -}}
{{- if or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled }}true{{ end }}
{{- end }}

{{/* The Secret holding the secret configuration keys: existingSecret or the one the chart creates. */}}
{{- define "fxa-gate.secretName" -}}
{{- default (include "fxa-gate.fullname" .) .Values.existingSecret }}
{{- end }}

{{/*
The secret configuration keys that are set, as a dict: key name → key in the Secret.
With existingSecret, existingSecretKeys says which keys the Secret holds ("" = none);
otherwise, every non-empty entry of `secrets` (in the chart's Secret under the same kebab-case key).
*/}}
{{- define "fxa-gate.secretKeys" -}}
{{- $keys := dict }}
{{- if .Values.existingSecret }}
{{- range $name, $key := .Values.existingSecretKeys }}
{{- if $key }}{{ $_ := set $keys $name $key }}{{ end }}
{{- end }}
{{- else }}
{{- range $name, $value := .Values.secrets }}
{{- if $value }}{{ $_ := set $keys $name (kebabcase $name) }}{{ end }}
{{- end }}
{{- end }}
{{- toJson $keys }}
{{- end }}

{{/* The Redis URL fxa-gate uses: config.redisUrl, the chart-run Redis, or "" (in-memory sessions). */}}
{{- define "fxa-gate.redisUrl" -}}
{{- if .Values.redis.enabled }}
{{- printf "redis://%s.%s.svc.%s:6379" (include "fxa-gate.redisFullname" .) .Release.Namespace .Values.clusterDomain }}
{{- else }}
{{- .Values.config.redisUrl }}
{{- end }}
{{- end }}

{{/* How many pods run at the least: what the PodDisruptionBudget is measured against. */}}
{{- define "fxa-gate.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ .Values.autoscaling.minReplicas }}{{ else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}

{{/* The host and path prefix where browsers reach fxa-gate, from config.publicUrl. */}}
{{- define "fxa-gate.publicHost" -}}
{{- (urlParse (required "config.publicUrl is required: the external base URL of fxa-gate, e.g. https://auth.example.com" .Values.config.publicUrl)).host | splitList ":" | first }}
{{- end }}

{{- define "fxa-gate.publicBase" -}}
{{- trimSuffix "/" .Values.config.publicUrl }}
{{- end }}

{{- define "fxa-gate.publicPath" -}}
{{- printf "%s%s" ((urlParse .Values.config.publicUrl).path | trimSuffix "/") .Values.config.prefix }}
{{- end }}

{{/*
Checks that span several values, which values.schema.json cannot express. Included by the Deployment,
so every render runs them.
*/}}
{{- define "fxa-gate.validate" -}}
{{- $min := include "fxa-gate.minReplicas" . | int }}
{{- $redis := include "fxa-gate.redisUrl" . }}
{{- if and .Values.redis.enabled .Values.config.redisUrl }}
{{- fail "set either config.redisUrl (your Redis) or redis.enabled=true (a Redis run by the chart for evaluation), not both" }}
{{- end }}
{{- /* With existingConfigMap, the Redis URL is in the user's ConfigMap, out of the chart's sight. */ -}}
{{- if and (not $redis) (not .Values.existingConfigMap) (include "fxa-gate.multiReplica" .) }}
{{- fail "without Redis, fxa-gate keeps sessions in memory and must run as a single replica: set config.redisUrl (redis://, rediss://, redis+sentinel://, redis+cluster://) or redis.enabled=true (evaluation only), or keep replicaCount=1 and autoscaling.enabled=false" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- $pdb := .Values.podDisruptionBudget }}
{{- if and $pdb.enabled (gt $min 1) }}
{{- if and (kindIs "invalid" $pdb.maxUnavailable) (kindIs "float64" $pdb.minAvailable) (ge (int $pdb.minAvailable) $min) }}
{{- fail (printf "podDisruptionBudget.minAvailable (%d) must be lower than the replica count (%d), or no pod could ever be evicted and node drains would hang" (int $pdb.minAvailable) $min) }}
{{- end }}
{{- if and (kindIs "float64" $pdb.maxUnavailable) (lt (int $pdb.maxUnavailable) 1) }}
{{- fail "podDisruptionBudget.maxUnavailable must be at least 1, or node drains would hang" }}
{{- end }}
{{- end }}
{{- if not .Values.existingSecret }}
{{- if not .Values.secrets.cookieSecrets }}
{{- fail "secrets.cookieSecrets is required (one or more random strings of at least 32 characters, e.g. `openssl rand -base64 32`), or name a Secret of yours in existingSecret" }}
{{- end }}
{{- else }}
{{- if not .Values.existingSecretKeys.cookieSecrets }}
{{- fail "existingSecretKeys.cookieSecrets must name the key of existingSecret that holds the cookie secrets" }}
{{- end }}
{{- range $name, $value := .Values.secrets }}
{{- if $value }}
{{- fail (printf "existingSecret is set, so secrets.%s would be ignored: put it in the Secret %s instead" $name $.Values.existingSecret) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (include "fxa-gate.multiReplica" .) (not (hasKey (include "fxa-gate.secretKeys" . | fromJson) "assertionKey")) }}
{{- fail "several replicas (replicaCount > 1 or autoscaling) must sign X-User-Assertion with one shared key, or services verifying it fail whenever a request reaches another pod: set secrets.assertionKey or existingSecretKeys.assertionKey to an EC P-256 private key, e.g. `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`" }}
{{- end }}
{{- if .Values.existingConfigMap }}
{{- $defaults := include "fxa-gate.configDefaults" . | fromJson }}
{{- $owned := include "fxa-gate.chartOwnedConfigKeys" . | splitList " " }}
{{- range $name, $value := .Values.config }}
{{- if and (not (has $name $owned)) (ne (toJson $value) (toJson (index $defaults $name))) }}
{{- fail (printf "existingConfigMap is set, so config.%s would be ignored: put %s in the ConfigMap %s instead" $name (include "fxa-gate.envName" $name) $.Values.existingConfigMap) }}
{{- end }}
{{- end }}
{{- else }}
{{- $_ := required "config.clientId is required: the OAuth client id registered with the provider" .Values.config.clientId }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "httpRoute.parentRefs is required with httpRoute.enabled: the Gateway(s) the route attaches to, e.g. [{name: public, namespace: gateway}]" }}
{{- end }}
{{- $tls := .Values.redisTls }}
{{- if or $tls.caSecret.name $tls.clientCertSecret.name }}
{{- if .Values.redis.enabled }}
{{- fail "redisTls is for your own Redis (config.redisUrl): the chart-run Redis (redis.enabled) speaks no TLS" }}
{{- end }}
{{- if and (not $redis) (not .Values.existingConfigMap) }}
{{- fail "redisTls is set but no Redis is configured: set config.redisUrl to a TLS URL (rediss://…)" }}
{{- end }}
{{- if and $redis (not (hasPrefix "rediss" (lower $redis))) }}
{{- fail "redisTls needs a TLS Redis URL: config.redisUrl must start with rediss:// (or rediss+sentinel://, rediss+cluster://)" }}
{{- end }}
{{- end }}
{{- $_ := include "fxa-gate.publicHost" . }}
{{- end }}

{{/* The sidecar injector (injector.enabled): its names, labels and images. */}}
{{- define "fxa-gate.injectorFullname" -}}
{{- printf "%s-injector" (include "fxa-gate.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{- define "fxa-gate.injectorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "fxa-gate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: injector
{{- end }}

{{- define "fxa-gate.injectorLabels" -}}
{{ include "fxa-gate.injectorSelectorLabels" . }}
{{ include "fxa-gate.commonLabels" . }}
{{- end }}

{{/* The image injected as the sidecar: injector.sidecarImage, else the chart's own image. */}}
{{- define "fxa-gate.sidecarImage" -}}
{{- default (include "fxa-gate.image" .) .Values.injector.sidecarImage }}
{{- end }}

{{/* The Service names the webhook's certificate must cover. */}}
{{- define "fxa-gate.injectorDnsNames" -}}
{{- $name := include "fxa-gate.injectorFullname" . }}
{{- $ns := .Release.Namespace }}
{{- list (printf "%s.%s.svc" $name $ns) (printf "%s.%s.svc.%s" $name $ns .Values.clusterDomain) | toJson }}
{{- end }}

{{- define "fxa-gate.injectorTlsSecret" -}}
{{- printf "%s-tls" (include "fxa-gate.injectorFullname" .) }}
{{- end }}

{{/*
A duration as fxa-gate reads it (90s, 15m, 1h, 500ms, a bare number of seconds) in whole seconds, rounded up.
*/}}
{{- define "fxa-gate.durationSeconds" -}}
{{- $text := toString . | trim -}}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $text -}}
{{- $unit := trimPrefix $number $text | default "s" -}}
{{- $factor := get (dict "ms" 0.001 "s" 1.0 "m" 60.0 "h" 3600.0 "d" 86400.0) $unit -}}
{{- if or (not $number) (kindIs "invalid" $factor) -}}
{{- fail (printf "not a duration: %q (expected e.g. 5s, 2m)" $text) -}}
{{- end -}}
{{- mulf (float64 $number) $factor | ceil | int -}}
{{- end -}}

{{/*
Seconds the pod gets after its deletion: the preStop sleep, fxa-gate's shutdown delay (serving while endpoints
update) and timeout (in-flight requests and streams), and 5 s to exit. An explicit value must cover them.
*/}}
{{- define "fxa-gate.terminationGracePeriod" -}}
{{- $preStop := 0 -}}
{{- with .Values.lifecycle -}}{{- with .preStop -}}{{- with .sleep -}}{{- $preStop = int .seconds -}}{{- end -}}{{- end -}}{{- end -}}
{{- $delay := include "fxa-gate.durationSeconds" (.Values.config.shutdownDelay | default "5s") | int -}}
{{- $timeout := include "fxa-gate.durationSeconds" (.Values.config.shutdownTimeout | default "20s") | int -}}
{{- $needed := add $preStop $delay $timeout 5 -}}
{{- $given := .Values.terminationGracePeriodSeconds -}}
{{- if kindIs "invalid" $given -}}
{{- $needed -}}
{{- else if lt (int $given) (int $needed) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) is shorter than fxa-gate's drain: preStop sleep %ds + config.shutdownDelay %ds + config.shutdownTimeout %ds + 5s = %ds; raise it, leave it empty, or shorten the shutdown settings" (int $given) $preStop $delay $timeout $needed) -}}
{{- else -}}
{{- int $given -}}
{{- end -}}
{{- end -}}
