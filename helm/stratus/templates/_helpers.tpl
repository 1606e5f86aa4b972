{{/* Names, labels and shared pieces. */}}

{{- define "stratus.fullname" -}}
{{- if contains "stratus" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-stratus" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "stratus.labels" -}}
app.kubernetes.io/name: stratus
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "stratus.selectorLabels" -}}
app.kubernetes.io/name: stratus
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "stratus.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "stratus.secretName" -}}
{{- default (include "stratus.fullname" .) .Values.secret.name -}}
{{- end -}}

{{/* The identity Service's address inside the cluster. */}}
{{- define "stratus.identityEndpoint" -}}
{{- printf "%s-identity:%v" (include "stratus.fullname" .) .Values.services.identity.port -}}
{{- end -}}

{{/*
"section.key: value" settings as STRATUS_SECTION_KEY environment entries of a ConfigMap.
Call with a dict of settings.
*/}}
{{- define "stratus.settingsAsEnv" -}}
{{- range $key, $value := . }}
{{ printf "STRATUS_%s" ($key | upper | replace "." "_" | replace "-" "_") }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* A secret-backed environment variable: (list NAME KEY root). */}}
{{- define "stratus.secretEnv" -}}
{{- $name := index . 0 -}}
{{- $key := index . 1 -}}
{{- $root := index . 2 -}}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "stratus.secretName" $root }}
      key: {{ $key }}
{{- end -}}

{{/*
One control-plane service: ConfigMap, Deployment and Service.
Call with (dict "root" $ "name" "identity" "svc" .Values.services.identity).
*/}}
{{- define "stratus.service" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := .svc -}}
{{- $full := printf "%s-%s" (include "stratus.fullname" $root) $name -}}
{{- $settings := dict "server.listen" (printf "0.0.0.0:%v" $svc.port) "log.level" $root.Values.log.level "log.format" $root.Values.log.format -}}
{{- if eq $name "identity" -}}
{{- $_ := set $settings "identity.region" $root.Values.region -}}
{{- $_ := set $settings "identity.public_endpoint" (default (include "stratus.identityEndpoint" $root) $svc.publicEndpoint) -}}
{{- $_ := set $settings "identity.bootstrap_admin_user" $svc.bootstrapAdminUser -}}
{{- $_ := set $settings "identity.bootstrap_admin_project" $svc.bootstrapAdminProject -}}
{{- $_ := set $settings "identity.token_ttl" $svc.tokenTtl -}}
{{- else -}}
{{- $_ := set $settings "identity.url" (include "stratus.identityEndpoint" $root) -}}
{{- end -}}
{{- $settings = merge (dict) (default dict $svc.config) $settings -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $full }}
  labels:
    {{- include "stratus.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
data:
  {{- include "stratus.settingsAsEnv" $settings | trim | nindent 2 }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $full }}
  labels:
    {{- include "stratus.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
spec:
  replicas: {{ $svc.replicas }}
  selector:
    matchLabels:
      {{- include "stratus.selectorLabels" $root | nindent 6 }}
      app.kubernetes.io/component: {{ $name }}
  template:
    metadata:
      labels:
        {{- include "stratus.selectorLabels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ $name }}
      annotations:
        # Roll the pods when their settings change.
        checksum/config: {{ $settings | toJson | sha256sum }}
    spec:
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $name }}
          image: {{ include "stratus.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["/usr/local/bin/stratus-{{ $name }}"]
          ports:
            - name: grpc
              containerPort: {{ $svc.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $full }}
          env:
            {{- include "stratus.secretEnv" (list "STRATUS_DB_URL" (printf "%s-db-url" $name) $root) | nindent 12 }}
            {{- include "stratus.secretEnv" (list "STRATUS_BUS_URL" "bus-url" $root) | nindent 12 }}
            {{- if eq $name "identity" }}
            {{- include "stratus.secretEnv" (list "STRATUS_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD" "admin-password" $root) | nindent 12 }}
            {{- end }}
          readinessProbe:
            grpc:
              port: {{ $svc.port }}
            {{- toYaml $root.Values.probes.readiness | nindent 12 }}
          livenessProbe:
            grpc:
              port: {{ $svc.port }}
            {{- toYaml $root.Values.probes.liveness | nindent 12 }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          {{- if eq $name "image" }}
          volumeMounts:
            - name: image-store
              mountPath: /var/lib/stratus/images
          {{- end }}
      {{- if eq $name "image" }}
      volumes:
        - name: image-store
          {{- if $svc.storeClaim }}
          persistentVolumeClaim:
            claimName: {{ $svc.storeClaim }}
          {{- else }}
          emptyDir: {}
          {{- end }}
      {{- end }}
      {{- with $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $full }}
  labels:
    {{- include "stratus.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
spec:
  type: ClusterIP
  selector:
    {{- include "stratus.selectorLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
  ports:
    - name: grpc
      port: {{ $svc.port }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
{{- end -}}
