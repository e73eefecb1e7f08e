{{- /* Generated from src/config/schema.ts by `make chart-values`: do not edit. */ -}}

{{- /* The configuration keys whose values are YAML structures, passed to fxa-gate as JSON. */ -}}
{{- define "fxa-gate.structuredConfigKeys" -}}
acrAalMap rules services brandingPlanNames
{{- end }}

{{- /* The values.yaml default of each config key (JSON), to tell a value that was set. */ -}}
{{- define "fxa-gate.configDefaults" -}}
{"issuer":"https://accounts.firefox.com","fxaOauthUrl":"","fxaProfileUrl":"","clientId":"","scopes":["openid","profile"],"requireEmailVerified":true,"acrAalMap":{"AAL1":1,"AAL2":2},"groupsClaim":"groups","providerTimeout":"5s","loginTimeout":"10m","publicUrl":"","listen":"0.0.0.0:4180","adminListen":"0.0.0.0:9180","prefix":"/_gate","upstream":"","trustedProxies":[],"publicPaths":[],"rules":[],"services":[],"identityHeaderPrefix":"X-User-","legacyIdentityHeaders":["X-Forwarded-User","X-Forwarded-Email","X-Forwarded-Preferred-Username","X-Forwarded-Groups","X-Forwarded-Access-Token","X-Forwarded-Login","X-Auth-Request-*","Remote-User","Remote-Groups","Remote-Email","Remote-Name","X-Remote-User","X-Remote-Group","X-Remote-Extra-*","X-Authentik-*","X-Webauth-*","X-Goog-Authenticated-User-*","X-Goog-Iap-Jwt-Assertion","Cf-Access-Authenticated-User-*","Cf-Access-Jwt-Assertion","X-Amzn-Oidc-*","X-Ms-Client-Principal-*","X-Ms-Token-*","X-Pomerium-Claim-*","X-Pomerium-Jwt-Assertion","X-Vouch-*","X-Email","X-Username","X-Authenticated-User"],"requestTimeout":"60s","requestBodyIdleTimeout":"10s","maxInFlight":1024,"maxInFlightPerConnection":16,"upstreamConnections":256,"maxUploads":128,"maxUploadsPerClient":16,"upstreamTimeout":"30s","upstreamConnectTimeout":"5s","upstreamAuthorization":"remove-when-consumed","assertionAudience":"","assertionTtl":"60s","authCacheTtl":"30s","bearerCheck":"introspect","bearerTimeout":"1s","bearerCacheMaxTtl":"10m","bearerNegativeTtl":"60s","bearerFailureTtl":"5s","bearerCheckRate":20,"bearerCheckBurst":100,"bearerCheckRatePerClient":2,"bearerCheckBurstPerClient":20,"bearerAllowedClients":[],"bearerPassUpstream":false,"logLevel":"info","subscribeUrl":"","accountSettingsUrl":"","brandingProductName":"","brandingLogoUrl":"","brandingAccentColor":"","brandingProviderName":"","brandingPlanNames":{},"templatesDir":"","accessLog":"denied","readinessDependencies":false,"shutdownDelay":"5s","shutdownTimeout":"20s","tracing":false,"eventsEnabled":true,"eventsIssuer":"","eventsJtiTtl":"24h","eventsWebhookUrls":[],"adminHosts":[],"redisUrl":"","redisKeyPrefix":"fxa-gate:","redisCommandTimeout":"500ms","redisWaitReplicas":"auto","redisWaitTimeout":"500ms","cookieName":"fxa_gate","cookieDomain":"","cookieSecure":true,"sessionAbsoluteTtl":"7d","sessionIdleTtl":"24h","sessionCacheTtl":"10s","sessionRevalidateInterval":"15m","allowedRedirectHosts":[],"defaultRedirect":"/"}
{{- end }}

{{- /* The config keys the chart builds on, passed as env when existingConfigMap is set. */ -}}
{{- define "fxa-gate.chartOwnedConfigKeys" -}}
publicUrl listen adminListen prefix
{{- end }}
