#!/usr/bin/env python3
"""Generate a large kustomize tree for benches/render-bench.sh.

Usage: gen-tree.py OUT_DIR [OVERLAYS] [BASES_PER_OVERLAY]

Layout: OUT_DIR/bases/app-NN (shared bases, 8 resources each, plus a
component) and OUT_DIR/overlays/ov-NNN (each pulls several bases and adds
namespace, namePrefix, commonLabels, images, strategic-merge patches,
configMapGenerator and secretGenerator). Prints the overlay count and the
number of resources the overlays render in total.
"""
import os
import sys

out = sys.argv[1]
n_overlays = int(sys.argv[2]) if len(sys.argv) > 2 else 60
per_overlay = int(sys.argv[3]) if len(sys.argv) > 3 else 5
n_bases = 12


def write(path, text):
    path = os.path.join(out, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


RES_PER_BASE = 8
for b in range(n_bases):
    app = f"app{b:02d}"
    write(f"bases/{app}/kustomization.yaml", f"""resources:
- workload.yaml
- rbac.yaml
- network.yaml
configMapGenerator:
- name: {app}-defaults
  literals:
  - LOG_LEVEL=info
  - FEATURE_X="off"
""")
    write(f"bases/{app}/workload.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  labels:
    app.kubernetes.io/name: {app}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {app}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {app}
      annotations:
        description: "A long description of {app} that is deliberately longer than eighty columns so the emitter folds it"
    spec:
      serviceAccountName: {app}
      containers:
      - name: main
        image: registry.example.com/{app}:1.0.{b}
        args: ["--port=8080", "--metrics=:9090", "--verbose"]
        envFrom:
        - configMapRef:
            name: {app}-defaults
        env:
        - name: TOKEN
          valueFrom:
            secretKeyRef:
              name: {app}-token
              key: token
        ports:
        - name: http
          containerPort: 8080
        - name: metrics
          containerPort: 9090
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
          limits:
            cpu: "1"
            memory: 512Mi
        readinessProbe:
          httpGet:
            path: /ready
            port: http
      - name: sidecar
        image: envoyproxy/envoy:v1.30.0
        ports:
        - containerPort: 15000
      volumes:
      - name: cache
        emptyDir: {{}}
---
apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  selector:
    app.kubernetes.io/name: {app}
  ports:
  - name: http
    port: 80
    targetPort: http
---
apiVersion: v1
kind: Secret
metadata:
  name: {app}-token
type: Opaque
stringData:
  token: "yes"
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {app}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {app}
""")
    write(f"bases/{app}/rbac.yaml", f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {app}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {app}
rules:
- apiGroups: [""]
  resources: [configmaps, secrets]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {app}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {app}
subjects:
- kind: ServiceAccount
  name: {app}
  namespace: default
""")
    write(f"bases/{app}/network.yaml", f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {app}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: {app}
  ingress:
  - ports:
    - port: 8080
""")

total = 0
for o in range(n_overlays):
    ov = f"ov{o:03d}"
    apps = [f"app{(o + k) % n_bases:02d}" for k in range(per_overlay)]
    res = "".join(f"- ../../bases/{a}\n" for a in apps)
    patches = "".join(f"- path: patch-{a}.yaml\n" for a in apps)
    images = "".join(
        f"- name: registry.example.com/{a}\n  newTag: 2.{o}.0\n" for a in apps)
    write(f"overlays/{ov}/kustomization.yaml", f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: tenant-{o:03d}
namePrefix: t{o:03d}-
commonLabels:
  tenant: t{o:03d}
  env: {"prod" if o % 2 else "staging"}
commonAnnotations:
  owner: team-{o % 7}@example.com
resources:
{res}patches:
{patches}images:
{images}configMapGenerator:
- name: tenant-settings
  literals:
  - TENANT=t{o:03d}
  - REGION=eu-{o % 3}
  files:
  - settings.properties
secretGenerator:
- name: tenant-creds
  literals:
  - password=pw-{o:03d}
""")
    write(f"overlays/{ov}/settings.properties",
          "".join(f"key.{i}=value {i} for overlay {o}\n" for i in range(20)))
    for i, a in enumerate(apps):
        write(f"overlays/{ov}/patch-{a}.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {a}
spec:
  replicas: {1 + (o + i) % 4}
  template:
    spec:
      containers:
      - name: main
        env:
        - name: TENANT
          valueFrom:
            configMapKeyRef:
              name: tenant-settings
              key: TENANT
        envFrom:
        - secretRef:
            name: tenant-creds
        resources:
          limits:
            memory: {256 * (1 + i % 3)}Mi
      - name: sidecar
        $patch: delete
""")
    # base resources + base generator per app, + 2 overlay generators
    total += per_overlay * (RES_PER_BASE + 1) + 2

print(f"{n_overlays} {total}")
