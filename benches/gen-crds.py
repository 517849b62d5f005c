#!/usr/bin/env python3
"""Generate CRD-heavy kustomization roots for benches/render-bench.sh.

Usage: gen-crds.py OUT_DIR [ROOTS] [MB_PER_ROOT]

Writes OUT_DIR/overlays/crdNN: each root holds several MB of
CustomResourceDefinitions shaped like controller-gen's output (nested
OpenAPI v3 schemas, multi-line `|-` descriptions, long one-line
descriptions the emitter folds, enums, patterns, x-kubernetes-*
extensions, several versions, printer columns), a few custom resources,
and the kustomization features operator bundles use on them
(commonLabels, commonAnnotations, a JSON 6902 patch adding a conversion
webhook, a strategic-merge patch on a custom resource, namespace).
Every root is self-contained, so that each is measured on its own.
Deterministic (fixed seed). Prints the number of roots and the number of rendered resources.
"""
import os
import random
import sys

out = sys.argv[1]
n_roots = int(sys.argv[2]) if len(sys.argv) > 2 else 3
mb = float(sys.argv[3]) if len(sys.argv) > 3 else 4.0

WORDS = ("the a of to and in is for that field specifies when this value "
         "must be set by controller resource object reference name namespace "
         "selector label key default defaults used if empty cluster pod "
         "container secret configuration status condition observed generation "
         "represents latest available observations current state more info "
         "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status "
         "optional required deprecated replaced will removed future release "
         "number seconds duration minimum maximum allowed values are").split()


def sentence(rng, lo=6, hi=28):
    w = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return w[0].capitalize() + " " + " ".join(w[1:]) + "."


def description(rng):
    """controller-gen descriptions: mostly multi-line (printed as |-),
    some single long lines (folded), some short."""
    k = rng.random()
    if k < 0.55:
        lines = [sentence(rng) for _ in range(rng.randint(2, 6))]
        if rng.random() < 0.3:
            lines.insert(1, "")
        return lines
    if k < 0.85:
        return [" ".join(sentence(rng) for _ in range(rng.randint(1, 3)))]
    return [sentence(rng, 2, 6)]


def emit_desc(lines, ind):
    pad = " " * ind
    if len(lines) == 1:
        text = lines[0]
        if ": " in text or text.startswith(("'", '"')) or "#" in text:
            text = "'" + text.replace("'", "''") + "'"
        return f"{pad}description: {text}\n"
    body = "".join(f"{pad}  {l}\n" if l else "\n" for l in lines)
    return f"{pad}description: |-\n{body}"


SCALARS = [
    ("string", None), ("integer", "int32"), ("integer", "int64"),
    ("boolean", None), ("number", None), ("string", "date-time"),
]


def schema(rng, ind, depth, budget):
    """Returns YAML text of one property schema at indentation ind."""
    pad = " " * ind
    s = emit_desc(description(rng), ind)
    k = rng.random()
    if depth > 0 and k < 0.35 and budget[0] > 0:
        n = rng.randint(2, 9)
        budget[0] -= n
        s += f"{pad}properties:\n"
        names = sorted({rng.choice(WORDS).strip(".#:/") + rng.choice(["", "Ref", "Spec", "Name", "Seconds", "Policy"]) + str(rng.randint(0, 40))
                        for _ in range(n)})
        req = []
        for nm in names:
            s += f"{pad}  {nm}:\n" + schema(rng, ind + 4, depth - 1, budget)
            if rng.random() < 0.2:
                req.append(nm)
        if req:
            s += f"{pad}required:\n" + "".join(f"{pad}- {r}\n" for r in req)
        s += f"{pad}type: object\n"
        if rng.random() < 0.1:
            s += f"{pad}x-kubernetes-map-type: atomic\n"
    elif depth > 0 and k < 0.5 and budget[0] > 0:
        budget[0] -= 1
        s += f"{pad}items:\n" + schema(rng, ind + 2, depth - 1, budget)
        s += f"{pad}type: array\n"
        if rng.random() < 0.3:
            s += f"{pad}x-kubernetes-list-type: atomic\n"
    elif k < 0.55:
        s += f"{pad}additionalProperties:\n{pad}  type: string\n{pad}type: object\n"
    elif k < 0.6:
        s += f"{pad}anyOf:\n{pad}- type: integer\n{pad}- type: string\n"
        s += f"{pad}pattern: ^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$\n"
        s += f"{pad}x-kubernetes-int-or-string: true\n"
    else:
        t, fmt = rng.choice(SCALARS)
        if t == "string" and rng.random() < 0.25:
            s += f"{pad}enum:\n" + "".join(f"{pad}- {e}\n" for e in rng.sample(["Always", "Never", "IfNotPresent", "None", "All", "TCP", "UDP", "SCTP", "true", "false", "On", "off", "1.0"], 3))
        if fmt:
            s += f"{pad}format: {fmt}\n"
        if t == "integer" and rng.random() < 0.4:
            s += f"{pad}maximum: {rng.choice([65535, 100, 2147483647])}\n{pad}minimum: {rng.choice([0, 1, -1])}\n"
        if t == "string" and rng.random() < 0.2:
            s += f"{pad}maxLength: 253\n{pad}pattern: ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\n"
        if t == "number" and rng.random() < 0.5:
            s += f"{pad}default: {rng.choice(['0.5', '1e3', '1.5e-05', '100'])}\n"
        s += f"{pad}type: {t}\n"
    return s


def crd(rng, group, kind, target_bytes):
    plural = kind.lower() + "s"
    text = f"""---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.16.1
  name: {plural}.{group}
spec:
  group: {group}
  names:
    categories:
    - all
    - {group.split('.')[0]}
    kind: {kind}
    listKind: {kind}List
    plural: {plural}
    shortNames:
    - {kind.lower()[:3]}
    singular: {kind.lower()}
  scope: Namespaced
  versions:
"""
    versions = ["v1", "v1beta1"] if rng.random() < 0.5 else ["v1"]
    per_version = target_bytes // len(versions)
    for vi, v in enumerate(versions):
        text += f"""  - additionalPrinterColumns:
    - jsonPath: .status.conditions[?(@.type=="Ready")].status
      name: Ready
      type: string
    - jsonPath: .metadata.creationTimestamp
      name: Age
      type: date
    name: {v}
    schema:
      openAPIV3Schema:
        description: {kind} is the Schema for the {plural} API.
        properties:
          apiVersion:
            description: |-
              APIVersion defines the versioned schema of this representation of an object.
              Servers should convert recognized schemas to the latest internal value, and
              may reject unrecognized values.
              More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources
            type: string
          kind:
            description: |-
              Kind is a string value representing the REST resource this object represents.
              Servers may infer this from the endpoint the client submits requests to.
              Cannot be updated.
              In CamelCase.
              More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds
            type: string
          metadata:
            type: object
          spec:
            description: {kind}Spec defines the desired state of {kind}.
            properties:
"""
        size = 0
        i = 0
        while size < per_version:
            budget = [rng.randint(20, 200)]
            prop = f"              field{i}:\n" + schema(rng, 16, 6, budget)
            size += len(prop)
            text += prop
            i += 1
        text += """            type: object
          status:
            properties:
              conditions:
                items:
                  properties:
                    lastTransitionTime:
                      format: date-time
                      type: string
                    message:
                      maxLength: 32768
                      type: string
                    status:
                      enum:
                      - "True"
                      - "False"
                      - Unknown
                      type: string
                    type:
                      type: string
                  required:
                  - lastTransitionTime
                  - status
                  - type
                  type: object
                type: array
                x-kubernetes-list-map-keys:
                - type
                x-kubernetes-list-type: map
              observedGeneration:
                format: int64
                type: integer
            type: object
        type: object
"""
        text += f"""    served: true
    storage: {"true" if vi == 0 else "false"}
    subresources:
      status: {{}}
"""
    return text


def write(path, text):
    path = os.path.join(out, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


total = 0
for r in range(n_roots):
    rng = random.Random(1000 + r)
    root = f"overlays/crd{r:02d}"
    group = f"{['monitoring', 'networking', 'storage', 'security'][r % 4]}.example{r}.io"
    files = []
    size = 0
    c = 0
    target = int(mb * 1024 * 1024)
    # root 0: many medium CRDs; root 1: a few huge ones; others: a mix
    while size < target:
        if r % 3 == 1:
            each = int(target / 3) + 1
        elif r % 3 == 0:
            each = rng.randint(40_000, 250_000)
        else:
            each = rng.randint(10_000, 900_000)
        kind = f"{rng.choice(['Alert', 'Probe', 'Route', 'Volume', 'Policy', 'Scrape', 'Gateway'])}{rng.choice(['Config', 'Rule', 'Set', 'Monitor', 'Binding', ''])}{c}"
        body = crd(rng, group, kind, each)
        fname = f"crds/{kind.lower()}.yaml"
        write(f"{root}/{fname}", body)
        files.append(fname)
        size += len(body)
        c += 1
    first_kind = files[0].split("/")[1][:-5]
    write(f"{root}/instances.yaml", "".join(f"""---
apiVersion: {group}/v1
kind: Widget{j}
metadata:
  name: sample-{j}
spec:
  replicas: {j}
  config:
    retention: 15d
    labels: {{team: a, tier: "1"}}
""" for j in range(3)))
    write(f"{root}/patch-instance.yaml", f"""apiVersion: {group}/v1
kind: Widget1
metadata:
  name: sample-1
spec:
  replicas: 5
""")
    res = "".join(f"- {f}\n" for f in files)
    write(f"{root}/kustomization.yaml", f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: operators-{r}
commonLabels:
  app.kubernetes.io/part-of: operator-{r}
commonAnnotations:
  bundle.example.com/source: crd{r:02d}
resources:
{res}- instances.yaml
patches:
- path: patch-instance.yaml
- target:
    kind: CustomResourceDefinition
    name: {first_kind}s.{group}
  patch: |-
    - op: add
      path: /spec/conversion
      value:
        strategy: Webhook
        webhook:
          conversionReviewVersions: ["v1"]
          clientConfig:
            service:
              name: webhook
              namespace: operators-{r}
              path: /convert
""")
    total += len(files) + 3

print(f"{n_roots} {total}")
