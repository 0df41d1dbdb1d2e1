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

{{- define "pils.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pils.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
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
{{- if $errors -}}
{{- fail (printf "\n\nThese values are missing or wrong:\n  - %s\n\nSee the chart's values.yaml and examples/." (join "\n  - " $errors)) -}}
{{- end -}}
{{- end -}}
