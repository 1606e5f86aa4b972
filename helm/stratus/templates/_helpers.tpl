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

{{/*
A Service's in-cluster address: (list root NAME PORT) -> <fullname>-NAME.<namespace>.svc:PORT.
The ".svc" form resolves from every namespace and from host-network pods
(dnsPolicy ClusterFirstWithHostNet) without assuming the cluster domain.
*/}}
{{- define "stratus.serviceAddress" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s.%s.svc:%v" (include "stratus.fullname" $root) (index . 1) $root.Release.Namespace (index . 2) -}}
{{- end -}}

{{/* The identity Service's address inside the cluster (identity.url of everything else). */}}
{{- define "stratus.identityEndpoint" -}}
{{- include "stratus.serviceAddress" (list . "identity" .Values.services.identity.port) -}}
{{- end -}}

{{/* The secret key holding a service user's password: <name>-service-password. */}}
{{- define "stratus.servicePasswordKey" -}}
{{- printf "%s-service-password" . -}}
{{- end -}}

{{/*
The service users the cloud needs (space-separated): every enabled service but identity, and
network-agent when that agent runs. Each is a user of that name with role admin on project
serviceUsers.project, logging in with the Secret's "<name>-service-password".
*/}}
{{- define "stratus.serviceUsers" -}}
{{- $users := list -}}
{{- range $name := list "image" "network" "block-storage" "compute" -}}
{{- if (index $.Values.services $name).enabled -}}
{{- $users = append $users $name -}}
{{- end -}}
{{- end -}}
{{- join " " $users -}}
{{- end -}}

{{/*
"section.key: value" settings as STRATUS_SECTION_KEY entries of a ConfigMap. Call with a dict.
Whole numbers print as integers (Helm reads values.yaml numbers as float64: 107374182400 would
otherwise become 1.073741824e+11).
*/}}
{{- define "stratus.settingsAsEnv" -}}
{{- range $key, $value := . }}
{{- if and (kindIs "float64" $value) (eq (float64 (int64 $value)) $value) }}
{{- $value = int64 $value }}
{{- end }}
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
cloudctl's environment for logging in as a user: (list root USER PROJECT SECRET_KEY).
cloudctl keeps its token cache under /tmp (an emptyDir; the root filesystem is read-only).
*/}}
{{- define "stratus.cloudctlEnv" -}}
{{- $root := index . 0 -}}
- name: HOME
  value: /tmp
- name: XDG_CONFIG_HOME
  value: /tmp/cloudctl-config
- name: XDG_CACHE_HOME
  value: /tmp/cloudctl-cache
- name: CLOUD_ENDPOINT
  value: {{ include "stratus.identityEndpoint" $root | quote }}
- name: CLOUD_USERNAME
  value: {{ index . 1 | quote }}
- name: CLOUD_PROJECT
  value: {{ index . 2 | quote }}
{{ include "stratus.secretEnv" (list "CLOUD_PASSWORD" (index . 3) $root) }}
{{- end -}}

{{/*
An init container that waits until USER can log in to identity (the service-users Job creates
it): services would otherwise exit at start (their first service login fails) and back off.
Call with (list root USER).
*/}}
{{- define "stratus.waitForLogin" -}}
{{- $root := index . 0 -}}
{{- $user := index . 1 -}}
- name: wait-for-service-user
  image: {{ include "stratus.image" $root }}
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  command:
    - /bin/sh
    - -c
    - >-
      echo "waiting until user {{ $user }} can log in to identity at $CLOUD_ENDPOINT
      (created by the service-users Job)";
      until cloudctl login >/tmp/login.log 2>&1; do cat /tmp/login.log; sleep 10; done;
      cat /tmp/login.log
  env:
    {{- include "stratus.cloudctlEnv" (list $root $user $root.Values.serviceUsers.project (include "stratus.servicePasswordKey" $user)) | nindent 4 }}
  {{- with $root.Values.containerSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  resources:
    {{- toYaml $root.Values.serviceUsers.resources | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end -}}

{{/*
Soft anti-affinity that spreads a component's replicas over nodes, unless `affinity` is set.
Call with (list root COMPONENT).
*/}}
{{- define "stratus.affinity" -}}
{{- $root := index . 0 -}}
{{- if $root.Values.affinity -}}
{{- toYaml $root.Values.affinity -}}
{{- else -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "stratus.selectorLabels" $root | nindent 12 }}
            app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}
{{- end -}}

{{/*
One control-plane service: ConfigMap, Deployment, Service and (replicas > 1) PodDisruptionBudget.
Call with (dict "root" $ "name" "identity" "svc" .Values.services.identity).
*/}}
{{- define "stratus.service" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $svc := .svc -}}
{{- $full := printf "%s-%s" (include "stratus.fullname" $root) $name -}}
{{- $publicEndpoint := default (include "stratus.serviceAddress" (list $root $name $svc.port)) $svc.publicEndpoint -}}
{{- $settings := dict "server.listen" (printf "0.0.0.0:%v" $svc.port) "db.pool_size" $svc.dbPoolSize "log.level" $root.Values.log.level "log.format" $root.Values.log.format -}}
{{- if eq $name "identity" -}}
{{- $_ := set $settings "identity.region" $root.Values.region -}}
{{- $_ := set $settings "identity.public_endpoint" $publicEndpoint -}}
{{- $_ := set $settings "identity.bootstrap_admin_user" $svc.bootstrapAdminUser -}}
{{- $_ := set $settings "identity.bootstrap_admin_project" $svc.bootstrapAdminProject -}}
{{- $_ := set $settings "identity.token_ttl" $svc.tokenTtl -}}
{{- else -}}
{{- /* common/service/service_runtime.h: identity trust, the service user, the catalog entry. */ -}}
{{- $_ := set $settings "identity.url" (include "stratus.identityEndpoint" $root) -}}
{{- $_ := set $settings "identity.service_user" $name -}}
{{- $_ := set $settings "identity.service_project" $root.Values.serviceUsers.project -}}
{{- $_ := set $settings (printf "%s.public_endpoint" $name) $publicEndpoint -}}
{{- end -}}
{{- if eq $name "image" -}}
{{- $_ := set $settings "image.store_dir" "/var/lib/stratus/images" -}}
{{- end -}}
{{- $settings = merge (dict) (default dict $svc.config) $settings -}}
{{- $imageStoreClaim := "" -}}
{{- if eq $name "image" -}}
{{- $imageStoreClaim = $svc.storeClaim -}}
{{- if and (not $imageStoreClaim) $svc.storeVolume.create -}}
{{- $imageStoreClaim = printf "%s-store" $full -}}
{{- end -}}
{{- if and (gt (int $svc.replicas) 1) (not $imageStoreClaim) -}}
{{- fail "services.image.replicas > 1 needs a shared image store: set services.image.storeClaim to a ReadWriteMany claim (an emptyDir per pod would split the images between replicas)" -}}
{{- end -}}
{{- end -}}
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
  {{- with $svc.strategy }}
  strategy:
    {{- toYaml . | nindent 4 }}
  {{- end }}
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
        # Roll the pods when their settings change (not when the Secret does: restart them).
        checksum/config: {{ $settings | toJson | sha256sum }}
    spec:
      # No Kubernetes API access, and no STRATUS_* service-link variables (a release named
      # "stratus" would otherwise inject STRATUS_IDENTITY_PORT=tcp://... into the settings).
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if and (ne $name "identity") $root.Values.serviceUsers.waitForLogin }}
      initContainers:
        {{- include "stratus.waitForLogin" (list $root $name) | nindent 8 }}
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
            {{- else }}
            {{- include "stratus.secretEnv" (list "STRATUS_IDENTITY_SERVICE_PASSWORD" (include "stratus.servicePasswordKey" $name) $root) | nindent 12 }}
            {{- end }}
          {{- with $root.Values.containerSecurityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          # grpc.health.v1 (the empty service name: the server as a whole). The startup probe
          # covers migrations and, for services other than identity, waiting for identity.
          startupProbe:
            grpc:
              port: {{ $svc.port }}
            {{- toYaml $root.Values.probes.startup | nindent 12 }}
          readinessProbe:
            grpc:
              port: {{ $svc.port }}
            {{- toYaml $root.Values.probes.readiness | nindent 12 }}
          livenessProbe:
            grpc:
              port: {{ $svc.port }}
            {{- toYaml $root.Values.probes.liveness | nindent 12 }}
          {{- if $root.Values.preStopSleepSeconds }}
          lifecycle:
            # Let endpoint removal reach every client before the server stops accepting calls.
            preStop:
              exec:
                command: ["sleep", "{{ $root.Values.preStopSleepSeconds }}"]
          {{- end }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if eq $name "image" }}
            - name: image-store
              mountPath: /var/lib/stratus/images
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if eq $name "image" }}
        - name: image-store
          {{- if $imageStoreClaim }}
          persistentVolumeClaim:
            claimName: {{ $imageStoreClaim }}
          {{- else }}
          # No storeClaim: images live as long as the pod (trials only).
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
      affinity:
        {{- include "stratus.affinity" (list $root $name) | nindent 8 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $full }}
  labels:
    {{- include "stratus.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
  {{- $service := default dict $svc.service }}
  {{- with $service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ default "ClusterIP" $service.type }}
  selector:
    {{- include "stratus.selectorLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
  ports:
    - name: grpc
      port: {{ $svc.port }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
{{- if and $root.Values.podDisruptionBudget.enabled (gt (int $svc.replicas) 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $full }}
  labels:
    {{- include "stratus.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $name }}
spec:
  maxUnavailable: {{ $root.Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "stratus.selectorLabels" $root | nindent 6 }}
      app.kubernetes.io/component: {{ $name }}
{{- end }}
{{- end -}}
