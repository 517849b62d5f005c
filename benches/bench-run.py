#!/usr/bin/env python3
"""Render every overlay under TREE/overlays with both tools, sequentially;
report wall times, ratio, our peak RSS and per-overlay output mismatches.

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


peak_ours = peak_ref = 0
mismatches = []
failures = []
for ov in overlays:
    d = os.path.join(tree, "overlays", ov)
    w1, rc1, out1, rss1 = run([ours, "render", d])
    w2, rc2, out2, rss2 = run([kubectl, "kustomize", d])
    peak_ours = max(peak_ours, rss1)
    peak_ref = max(peak_ref, rss2)
    if rc2 != 0:
        failures.append(f"{ov}: kubectl failed")
    if rc1 != 0:
        failures.append(f"{ov}: gitops-upgrade failed")
    if out1 != out2 or rc1 != rc2:
        mismatches.append(ov)

dirs = [os.path.join(tree, "overlays", ov) for ov in overlays]
LOOP = 'tool="$1"; sub="$2"; shift 2; for d in "$@"; do "$tool" $sub "$d" >/dev/null 2>&1 || exit 1; done'


def timed_loop(tool, sub):
    start = time.perf_counter()
    r = subprocess.run(["bash", "-c", LOOP, "loop", tool, sub] + dirs,
                       stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        failures.append(f"timing loop of {tool} failed")
    return wall


t_ours = timed_loop(ours, "render")
t_ref = timed_loop(kubectl, "kustomize")
ratio = t_ref / t_ours if t_ours > 0 else float("inf")
rss_src = "/usr/bin/time -v" if GNU_TIME else "getrusage(RUSAGE_CHILDREN)"
print()
print("```")
print("render benchmark (benches/render-bench.sh)")
print(f"tree:               {n_overlays} overlays, {n_resources} rendered resources "
      f"(12 shared bases; SMP patches, generators, namePrefix, commonLabels)")
print(f"gitops-upgrade:     {t_ours:8.2f} s total, {1000 * t_ours / len(overlays):7.1f} ms/overlay")
print(f"kubectl kustomize:  {t_ref:8.2f} s total, {1000 * t_ref / len(overlays):7.1f} ms/overlay")
print(f"speed-up:           {ratio:8.2f}x (kubectl time / gitops-upgrade time)")
print(f"peak RSS ours:      {peak_ours / 1024:8.1f} MiB (kubectl {peak_ref / 1024:.1f} MiB; {rss_src})")
print(f"output mismatches:  {len(mismatches)} of {len(overlays)} overlays")
print(f"machine:            {os.cpu_count()} cores; each tool timed over all overlays in one shell loop")
print("```")
for f in failures[:10]:
    print("  failure:", f)
if mismatches:
    print("  mismatching overlays:", " ".join(mismatches[:20]))
    sys.exit(1)
