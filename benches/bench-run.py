#!/usr/bin/env python3
"""Render every root under TREE/overlays with both tools, sequentially;
report wall times, ratios, peak RSS and per-root output mismatches, for the
generated overlays as one group and for each CRD root (crd*) on its own.

Two passes. The first renders each overlay with both tools, compares the
outputs and records peak RSS (GNU /usr/bin/time -v when present, otherwise
getrusage). The second times each tool over the whole tree with a plain
shell loop, so that no per-call harness overhead (Python subprocess, the
time wrapper) is counted: that overhead is ~10 ms a call, ten times what
one render of ours takes, and would hide the real ratio.
"""
import os
import subprocess
import sys
import time

tree, ours, kubectl, n_overlays, n_resources = sys.argv[1:6]
overlays = sorted(os.listdir(os.path.join(tree, "overlays")))


def have_gnu_time():
    try:
        r = subprocess.run(["/usr/bin/time", "-v", "true"],
                           capture_output=True, text=True)
        return r.returncode == 0 and "Maximum resident set size" in r.stderr
    except OSError:
        return False


GNU_TIME = have_gnu_time()


def run(cmd):
    """Return (wall seconds, exit code, stdout bytes, peak RSS KiB)."""
    if GNU_TIME:
        cmd = ["/usr/bin/time", "-v"] + cmd
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    wall = time.perf_counter() - start
    rss = 0
    if GNU_TIME:
        for line in err.decode(errors="replace").splitlines():
            if "Maximum resident set size" in line:
                rss = int(line.rsplit(":", 1)[1])
    else:
        # Popen already reaped the child; fall back to the children total.
        import resource
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, p.returncode, out, rss


rss = {}
size = {}
mismatches = []
failures = []
for ov in overlays:
    d = os.path.join(tree, "overlays", ov)
    w1, rc1, out1, rss1 = run([ours, "render", d])
    w2, rc2, out2, rss2 = run([kubectl, "kustomize", d])
    rss[ov] = (rss1, rss2)
    size[ov] = len(out2)
    if rc2 != 0:
        failures.append(f"{ov}: kubectl failed")
    if rc1 != 0:
        failures.append(f"{ov}: gitops-upgrade failed")
    if out1 != out2 or rc1 != rc2:
        mismatches.append(ov)

LOOP = 'tool="$1"; sub="$2"; shift 2; for d in "$@"; do "$tool" $sub "$d" >/dev/null 2>&1 || exit 1; done'


def timed_loop(tool, sub, dirs):
    start = time.perf_counter()
    r = subprocess.run(["bash", "-c", LOOP, "loop", tool, sub] + dirs,
                       stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        failures.append(f"timing loop of {tool} failed")
    return wall


# The generated overlays (ov*) are timed as one group; every CRD root
# (crd*, benches/gen-crds.py) on its own, since each is a large render.
groups = [("overlays", [ov for ov in overlays if not ov.startswith("crd")])]
groups += [(ov, [ov]) for ov in overlays if ov.startswith("crd")]
rows = []
for name, members in groups:
    if not members:
        continue
    dirs = [os.path.join(tree, "overlays", ov) for ov in members]
    t_ours = timed_loop(ours, "render", dirs)
    t_ref = timed_loop(kubectl, "kustomize", dirs)
    rss_o = max(rss[ov][0] for ov in members)
    rss_k = max(rss[ov][1] for ov in members)
    mb = sum(size[ov] for ov in members) / len(members) / 1e6
    rows.append((name, len(members), mb, t_ours, t_ref, rss_o, rss_k))

rss_src = "/usr/bin/time -v" if GNU_TIME else "getrusage(RUSAGE_CHILDREN)"
print()
print("```")
print("render benchmark (benches/render-bench.sh)")
print(f"tree: {n_overlays} overlays + {len(groups) - 1} CRD roots, {n_resources} rendered resources "
      f"(overlays: 12 shared bases; SMP patches, generators, namePrefix, commonLabels; "
      f"CRD roots: several MB of CustomResourceDefinitions each)")
print(f"{'root(s)':<10} {'n':>4} {'MB out':>7} {'ours ms':>9} {'kubectl ms':>11} {'speed-up':>9} "
      f"{'RSS ours':>9} {'RSS kubectl':>12} {'RSS ratio':>9}")
for name, n, mb, t_o, t_k, r_o, r_k in rows:
    print(f"{name:<10} {n:>4} {mb:>7.2f} {1000 * t_o / n:>9.1f} {1000 * t_k / n:>11.1f} "
          f"{t_k / t_o:>8.1f}x {r_o / 1024:>7.1f}MB {r_k / 1024:>10.1f}MB {r_o / r_k:>9.2f}")
print("(ms per root; MB out: output size per root; RSS: peak resident set, " + rss_src + ")")
print(f"output mismatches:  {len(mismatches)} of {len(overlays)} roots")
print(f"machine:            {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
      "each tool timed per group in one shell loop")
print("```")
for f in failures[:10]:
    print("  failure:", f)
if mismatches:
    print("  mismatching overlays:", " ".join(mismatches[:20]))
    sys.exit(1)
