{{/*
Names, labels and the pieces every ecoute pod shares (image, environment, security contexts).
*/}}

{{- define "ecoute.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ecoute.fullname" -}}
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

{{- define "ecoute.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the release's pods; add app.kubernetes.io/component per workload. */}}
{{- define "ecoute.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ecoute.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ecoute.labels" -}}
helm.sh/chart: {{ include "ecoute.chart" . }}
{{ include "ecoute.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ecoute
{{- end }}

{{- define "ecoute.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ecoute.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "ecoute.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "ecoute.tenantsConfigMap" -}}
{{- default (printf "%s-tenants" (include "ecoute.fullname" .)) .Values.tenants.existingConfigMap }}
{{- end }}

{{/* Settings every ecoute process reads (no credentials). */}}
{{- define "ecoute.commonEnv" -}}
- name: ECOUTE_BASE_DOMAIN
  value: {{ required "baseDomain is required" .Values.baseDomain | quote }}
- name: ECOUTE_APP_ROLE
  value: {{ .Values.database.app.role | quote }}
- name: RUST_LOG
  value: {{ .Values.logLevel | quote }}
{{- with .Values.telemetry.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{/* The owner connection, from its Secret: migrations, tenants sync, start-up checks. */}}
{{- define "ecoute.ownerDatabaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "database.owner.existingSecret is required" .Values.database.owner.existingSecret | quote }}
      key: {{ .Values.database.owner.urlKey | quote }}
{{- end }}

{{/* The application role's connection, from its own Secret: every query of web and worker. */}}
{{- define "ecoute.appDatabaseEnv" -}}
{{- $app := .Values.database.app }}
{{- $secret := required "database.app.existingSecret is required" $app.existingSecret }}
{{- if $app.urlKey }}
- name: ECOUTE_APP_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ $app.urlKey | quote }}
{{- else if $app.passwordKey }}
- name: ECOUTE_APP_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ $app.passwordKey | quote }}
{{- else }}
{{- fail "database.app: set urlKey or passwordKey" }}
{{- end }}
{{- end }}

{{/* Settings of whoever sends mail: the worker Deployment, or web pods when it is off. */}}
{{- define "ecoute.mailEnv" -}}
{{- $mail := .Values.mail }}
{{- with $mail.smtp.existingSecret }}
- name: ECOUTE_SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $mail.smtp.urlKey | quote }}
{{- end }}
{{- with $mail.smtp.tls }}
- name: ECOUTE_SMTP_TLS
  value: {{ . | quote }}
{{- end }}
{{- with $mail.from }}
- name: ECOUTE_MAIL_FROM
  value: {{ . | quote }}
{{- end }}
- name: ECOUTE_MAIL_PER_MINUTE
  value: {{ $mail.perMinute | toString | quote }}
- name: ECOUTE_MAIL_CONNECTIONS
  value: {{ $mail.connections | toString | quote }}
- name: ECOUTE_MAIL_LEASE_SECONDS
  value: {{ $mail.leaseSeconds | toString | quote }}
{{- with $mail.linkBase }}
- name: ECOUTE_MAIL_LINK_BASE
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{/* Pod-level fields shared by every ecoute pod. */}}
{{- define "ecoute.podCommon" -}}
automountServiceAccountToken: false
enableServiceLinks: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* A writable /tmp on a read-only root filesystem. */}}
{{- define "ecoute.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{- define "ecoute.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}
