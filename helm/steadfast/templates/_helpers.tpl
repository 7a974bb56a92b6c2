{{/* The release's full name, 63 characters at most (a DNS label). */}}
{{- define "steadfast.fullname" -}}
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

{{- define "steadfast.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "steadfast.selectorLabels" -}}
app.kubernetes.io/name: {{ include "steadfast.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "steadfast.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "steadfast.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: steadfast
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "steadfast.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "steadfast.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "steadfast.subjects" -}}
- kind: ServiceAccount
  name: {{ include "steadfast.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end -}}

{{- define "steadfast.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
The operator's API calls, as RBAC rules (they mirror dev.steadfast.operator.ApiAccess; ChartRbacTest
fails when the two differ). "watched": in each namespace whose AgentTasks are reconciled.
*/}}
{{- define "steadfast.rules.watched" -}}
- apiGroups: [steadfast.dev]
  resources: [agenttasks]
  verbs: [list, watch, patch]
- apiGroups: [steadfast.dev]
  resources: [agenttasks/status]
  verbs: [update]
- apiGroups: [steadfast.dev]
  resources: [agenttasks/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, create, update, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [get, create, patch]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
{{- end -}}

{{/* In the operator's own namespace: its Lease and the circuit breakers' ConfigMap. */}}
{{- define "steadfast.rules.operatorNamespace" -}}
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update, patch]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, create, update]
{{- end -}}

{{- define "steadfast.rules.cluster" -}}
- apiGroups: [authorization.k8s.io]
  resources: [selfsubjectrulesreviews]
  verbs: [create]
{{- end -}}

{{/*
A byte count for a flag: a quantity string (768Ki) as written, a number as an integer (YAML
numbers reach templates as floats, which would print as 6.7108864e+07).
*/}}
{{- define "steadfast.bytes" -}}
{{- if kindIs "string" . }}{{ . }}{{ else }}{{ . | int64 }}{{ end -}}
{{- end }}
