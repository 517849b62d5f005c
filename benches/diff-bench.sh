#!/usr/bin/env bash
# Benchmark of `gitops-upgrade diff`: two trees of N resources each
# (Deployments, Services, ConfigMaps; about 10% changed: images, env
# inserted, replicas, ports, a multi-line config line; 1% removed and 1%
# added), for N = 1,000, 10,000 and 50,000 (override: SIZES="1000 5000").
# Times (best of RUNS, default 3):
#   render x2   gitops-upgrade render of both trees (the diff's input cost)
#   diff        gitops-upgrade diff --from old/ --to new/ (renders both sides in
#               parallel + compares; JOBS=N sets its --jobs, default all cores)
#   diff cpu    user + system time of one such diff (what the wall time is on
#               idle cores is about diff cpu / cores when the machine is shared)
#   diff -u     GNU diff -u of the two renders sorted by document identity
#               (prepared beforehand; text only, no field or immutability logic)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
BIN="$PWD/target/release/gitops-upgrade"
SIZES="${SIZES:-1000 10000 50000}"
RUNS="${RUNS:-3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

gen() { # gen DIR N VARIANT(0 old, 1 new)
python3 - "$1" "$2" "$3" <<'PY'
import os, sys
d, n, new = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
os.makedirs(d, exist_ok=True)
docs = []
for i in range(n):
    if new and i % 100 == 7:       # removed on the new side
        continue
    k = i % 3
    ch = new and i % 10 == 3       # changed on the new side
    if k == 0:
        env = "        - {name: A, value: a}\n        - {name: B, value: b}\n"
        if ch:
            env = "        - {name: Z, value: z}\n" + env
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: ns-{i % 50}
  labels: {{app: app-{i}}}
spec:
  replicas: {3 if ch else 1}
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata: {{labels: {{app: app-{i}}}}}
    spec:
      containers:
      - name: main
        image: registry.example.com/app:{'1.1' if ch else '1.0'}
        env:
{env}        ports: [{{containerPort: 8080}}]
      - name: sidecar
        image: registry.example.com/side:1.0
""")
    elif k == 1:
        port = "9090" if ch else "8080"
        docs.append(f"""apiVersion: v1
kind: Service
metadata: {{name: svc-{i}, namespace: ns-{i % 50}}}
spec:
  selector: {{app: app-{i}}}
  ports:
  - {{name: http, port: 80, targetPort: {port}}}
  - {{name: metrics, port: 9100}}
""")
    else:
        line = "level = debug" if ch else "level = info"
        docs.append(f"""apiVersion: v1
kind: ConfigMap
metadata: {{name: cfg-{i}, namespace: ns-{i % 50}}}
data:
  app.conf: |
    [server]
    port = 8080
    {line}
    workers = 4
""")
if new:
    for i in range(n // 100):
        docs.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: added-{i}, namespace: ns-0}}\ndata: {{a: b}}\n")
with open(os.path.join(d, "res.yaml"), "w") as f:
    f.write("---\n".join(docs))
with open(os.path.join(d, "kustomization.yaml"), "w") as f:
    f.write("resources:\n- res.yaml\n")
PY
}

best() { # best CMD...: best wall time of RUNS runs, in seconds
  local b=""
  for _ in $(seq "$RUNS"); do
    local s e t
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  printf '%.3f' "$b"
}

sorted_render() { # one line per document key, then the document; sorted by key
  "$BIN" render "$1" | python3 -c '
import sys
docs = sys.stdin.read().split("\n---\n")
def key(d):
    kind = name = ns = ""
    for l in d.splitlines():
        if l.startswith("kind: "): kind = l[6:]
        elif l.startswith("  name: ") and not name: name = l[8:]
        elif l.startswith("  namespace: ") and not ns: ns = l[13:]
    return (kind, ns, name)
sys.stdout.write("---\n".join(sorted(docs, key=key)))'
}

JOBS_ARG=()
if [ -n "${JOBS:-}" ]; then JOBS_ARG=(--jobs "$JOBS"); fi
printf '%-8s %12s %10s %10s %10s %12s %10s\n' resources "render x2 s" "diff s" "diff cpu s" "diff -u s" "diff peak MiB" changed
for n in $SIZES; do
  gen "$WORK/old-$n" "$n" 0
  gen "$WORK/new-$n" "$n" 1
  sorted_render "$WORK/old-$n" > "$WORK/old-$n.yaml"
  sorted_render "$WORK/new-$n" > "$WORK/new-$n.yaml"
  r=$(best sh -c "'$BIN' render '$WORK/old-$n' >/dev/null && '$BIN' render '$WORK/new-$n' >/dev/null")
  dt=$(best "$BIN" diff "${JOBS_ARG[@]}" --from "$WORK/old-$n/" --to "$WORK/new-$n/" --output json)
  du=$(best diff -u "$WORK/old-$n.yaml" "$WORK/new-$n.yaml")
  read -r mem cpu < <( { /usr/bin/time -f '%M %U %S' "$BIN" diff "${JOBS_ARG[@]}" --from "$WORK/old-$n/" --to "$WORK/new-$n/" --output json >/dev/null; } 2>&1 | tail -1 | awk '{print $1, $2 + $3}')
  changed=$("$BIN" diff --from "$WORK/old-$n/" --to "$WORK/new-$n/" --output json \
    | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print("%d/+%d/-%d" % (s["changed"], s["added"], s["removed"]))')
  printf '%-8s %12s %10s %10s %10s %12s %10s\n' "$n" "$r" "$dt" "$cpu" "$du" "$(echo "scale=1; $mem / 1024" | bc)" "$changed"
done
