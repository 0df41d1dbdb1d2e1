{{/* Names and labels. */}}
{{- define "pils.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pils.fullname" -}}
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

{{- define "pils.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pils.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The standard label set (helm create, Bitnami), plus commonLabels; on every object and pod. */}}
{{- define "pils.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pils.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pocket-id
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* An "annotations:" block, indented by .indent (default 2), from an object's own annotations
     (.own) and commonAnnotations; nothing when both are empty. Call it as {{- include ... }}. */}}
{{- define "pils.annotations" -}}
{{- $all := merge (deepCopy (.own | default dict)) (.root.Values.commonAnnotations | default dict) -}}
{{- with $all }}
{{ dict "annotations" . | toYaml | trimSuffix "\n" | indent ($.indent | default 2) }}
{{- end }}
{{- end -}}

{{- define "pils.image" -}}
{{- $i := .Values.image -}}
{{- if $i.digest -}}
{{ $i.repository }}@{{ $i.digest }}
{{- else -}}
{{ $i.repository }}:{{ $i.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "pils.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "pils.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "pils.metricsServiceName" -}}
{{- printf "%s-metrics" (include "pils.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Pocket ID's environment the chart owns: the lock mode, the database, APP_URL and the key, the
     upload backend, and PORT (the Service, the probes and the NetworkPolicy use 1411). An extraEnv
     entry with one of these names would silently win over the chart's (the last duplicate wins). */}}
{{- define "pils.pocketIdOwnedEnv" -}}
{{- list "APP_URL" "ENCRYPTION_KEY" "ENCRYPTION_KEY_FILE" "UI_CONFIG_DISABLED" "LDAP_ENABLED" "LDAP_URL" "DB_CONNECTION_STRING" "DB_CONNECTION_STRING_FILE" "FILE_BACKEND" "PORT" | toJson -}}
{{- end -}}

{{/* The ports the daemon's HTTP server must not take: Pocket ID's in the same pod (1411, or PORT),
     its Prometheus exporter's (9464, or OTEL_EXPORTER_PROMETHEUS_PORT), and its Service port. */}}
{{- define "pils.pocketIdPorts" -}}
{{- $ports := dict "1411" "Pocket ID's HTTP port" "9464" "Pocket ID's Prometheus exporter (OTEL_METRICS_EXPORTER=prometheus)" -}}
{{- $_ := set $ports (toString .Values.pocketId.service.port) "pocketId.service.port" -}}
{{- range .Values.pocketId.extraEnv -}}
{{- if and (eq .name "OTEL_EXPORTER_PROMETHEUS_PORT") .value -}}
{{- $_ := set $ports (toString .value) "Pocket ID's Prometheus exporter (OTEL_EXPORTER_PROMETHEUS_PORT in pocketId.extraEnv)" -}}
{{- end -}}
{{- end -}}
{{- toJson $ports -}}
{{- end -}}

{{/* The LDAP_URL Pocket ID gets in locked mode: a Unix socket path that does not exist, so its
     built-in sync fails at connect, before it opens a transaction. */}}
{{- define "pils.lockedLdapUrl" -}}
ldapi://%2Fnonexistent%2Fpocket-id-ldap-sync-owns-ldap
{{- end -}}

{{/* Secrets: the chart's own (values given inline) or the operator's (existingSecret). */}}
{{- define "pils.secretName" -}}
{{- printf "%s-secrets" (include "pils.fullname" .) -}}
{{- end -}}

{{- define "pils.bindPasswordSecret" -}}
{{- .Values.ldap.bindPassword.existingSecret | default (include "pils.secretName" .) -}}
{{- end -}}
{{- define "pils.bindPasswordKey" -}}
{{- if .Values.ldap.bindPassword.existingSecret }}{{ .Values.ldap.bindPassword.key }}{{ else }}ldap-bind-password{{ end -}}
{{- end -}}

{{/* POST /sync's token: off unless one of the two is set. */}}
{{- define "pils.triggerTokenSecret" -}}
{{- .Values.daemon.triggerToken.existingSecret | default (include "pils.secretName" .) -}}
{{- end -}}
{{- define "pils.triggerTokenKey" -}}
{{- if .Values.daemon.triggerToken.existingSecret }}{{ .Values.daemon.triggerToken.key }}{{ else }}sync-trigger-token{{ end -}}
{{- end -}}

{{- define "pils.postgresSecret" -}}
{{- .Values.database.postgres.existingSecret | default (include "pils.secretName" .) -}}
{{- end -}}
{{- define "pils.postgresKey" -}}
{{- if .Values.database.postgres.existingSecret }}{{ .Values.database.postgres.key }}{{ else }}db-connection-string{{ end -}}
{{- end -}}

{{- define "pils.encryptionKeySecret" -}}
{{- .Values.pocketId.encryptionKey.existingSecret | default (include "pils.secretName" .) -}}
{{- end -}}
{{- define "pils.encryptionKeyKey" -}}
{{- if .Values.pocketId.encryptionKey.existingSecret }}{{ .Values.pocketId.encryptionKey.key }}{{ else }}encryption-key{{ end -}}
{{- end -}}

{{- define "pils.dataClaim" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-data" (include "pils.fullname" .)) -}}
{{- end -}}

{{/* Every missing or contradictory value, reported together (the daemon does the same with its
     environment). values.schema.json has already checked types, enums and spellings. */}}
{{- define "pils.validate" -}}
{{- $v := .Values -}}
{{- $errors := list -}}
{{- if eq $v.mode "sidecar" -}}
{{- if not $v.pocketId.appUrl -}}
{{- $errors = append $errors "pocketId.appUrl: the URL users reach Pocket ID at (APP_URL), e.g. https://id.example.com" -}}
{{- end -}}
{{- if not (or $v.pocketId.encryptionKey.existingSecret $v.pocketId.encryptionKey.value) -}}
{{- $errors = append $errors "pocketId.encryptionKey: set existingSecret (and key) or value (at least 16 bytes; ENCRYPTION_KEY)" -}}
{{- end -}}
{{- end -}}
{{- range $name, $value := dict "ldap.url" $v.ldap.url "ldap.bindDn" $v.ldap.bindDn "ldap.base" $v.ldap.base "ldap.attributes.userUniqueIdentifier" $v.ldap.attributes.userUniqueIdentifier "ldap.attributes.userUsername" $v.ldap.attributes.userUsername "ldap.attributes.groupUniqueIdentifier" $v.ldap.attributes.groupUniqueIdentifier "ldap.attributes.groupName" $v.ldap.attributes.groupName -}}
{{- if not $value -}}
{{- $errors = append $errors (printf "%s: required" $name) -}}
{{- end -}}
{{- end -}}
{{- if and $v.ldap.requireUserEmail (not $v.ldap.attributes.userEmail) -}}
{{- $errors = append $errors "ldap.attributes.userEmail: required while ldap.requireUserEmail is true (else every user is skipped)" -}}
{{- end -}}
{{- if not (or $v.ldap.bindPassword.existingSecret $v.ldap.bindPassword.value) -}}
{{- $errors = append $errors "ldap.bindPassword: set existingSecret (and key) or value (anonymous binds are not supported)" -}}
{{- end -}}
{{- if and $v.ldap.tlsCa.secret $v.ldap.tlsCa.configMap -}}
{{- $errors = append $errors "ldap.tlsCa: set secret or configMap, not both" -}}
{{- end -}}
{{- if and $v.ldap.startTls (hasPrefix "ldaps:" (lower $v.ldap.url)) -}}
{{- $errors = append $errors "ldap.startTls: only for ldap:// URLs (ldaps:// is TLS from the first byte)" -}}
{{- end -}}
{{- if eq $v.database.type "postgres" -}}
{{- if not (or $v.database.postgres.existingSecret $v.database.postgres.connectionString) -}}
{{- $errors = append $errors "database.postgres: set existingSecret (and key) or connectionString (postgres://...)" -}}
{{- end -}}
{{- else if eq $v.mode "daemon-only" -}}
{{- if not $v.persistence.existingClaim -}}
{{- $errors = append $errors "persistence.existingClaim: daemon-only mode with SQLite needs the claim that holds Pocket ID's database" -}}
{{- end -}}
{{- end -}}
{{- if and $v.ldap.attributes.userProfilePicture (eq $v.pocketId.fileBackend "s3") -}}
{{- $errors = append $errors "pocketId.fileBackend: s3 cannot hold the daemon's profile pictures; use filesystem or database, or leave ldap.attributes.userProfilePicture empty" -}}
{{- end -}}
{{- if and (eq $v.mode "daemon-only") $v.ldap.attributes.userProfilePicture (eq $v.pocketId.fileBackend "filesystem") (not $v.persistence.existingClaim) -}}
{{- $errors = append $errors "persistence.existingClaim: pictures with FILE_BACKEND=filesystem are written to Pocket ID's upload directory, so daemon-only mode needs the claim that holds it" -}}
{{- end -}}
{{- if eq $v.mode "sidecar" -}}
{{- $owned := include "pils.pocketIdOwnedEnv" . | fromJsonArray -}}
{{- range $v.pocketId.extraEnv -}}
{{- if has .name $owned -}}
{{- $errors = append $errors (printf "pocketId.extraEnv: %s is set by the chart (lock mode, database, APP_URL, key, upload backend, port) and cannot be overridden here; use the chart's own value for it" .name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $taken := include "pils.pocketIdPorts" . | fromJson -}}
{{- with get $taken (toString $v.metrics.port) -}}
{{- $errors = append $errors (printf "metrics.port: %d is %s; pick another port for the daemon (default 9474)" (int $v.metrics.port) .) -}}
{{- end -}}
{{- if and (eq $v.mode "daemon-only") (eq $v.database.type "sqlite") (not $v.persistence.pocketIdPodLabels) -}}
{{- $errors = append $errors "persistence.pocketIdPodLabels: daemon-only mode with SQLite shares Pocket ID's database file, which needs both programs on one node (SQLite WAL); give the labels of Pocket ID's pod so the daemon is scheduled next to it" -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nThese values are missing or wrong:\n  - %s\n\nSee the chart's values.yaml and examples/." (join "\n  - " $errors)) -}}
{{- end -}}
{{- end -}}

{{/* The pod's affinity: the operator's, plus (daemon-only with SQLite) a required podAffinity to
     Pocket ID's pod on the same node, since both open the same SQLite file in WAL mode. */}}
{{- define "pils.affinity" -}}
{{- $v := .Values -}}
{{- $affinity := deepCopy ($v.affinity | default dict) -}}
{{- if and (eq $v.mode "daemon-only") (eq $v.database.type "sqlite") $v.persistence.pocketIdPodLabels -}}
{{- $term := dict "labelSelector" (dict "matchLabels" $v.persistence.pocketIdPodLabels) "topologyKey" "kubernetes.io/hostname" -}}
{{- $pod := $affinity.podAffinity | default dict -}}
{{- $required := $pod.requiredDuringSchedulingIgnoredDuringExecution | default list -}}
{{- $_ := set $pod "requiredDuringSchedulingIgnoredDuringExecution" (append $required $term) -}}
{{- $_ := set $affinity "podAffinity" $pod -}}
{{- end -}}
{{- with $affinity }}
{{- toYaml . }}
{{- end }}
{{- end -}}
