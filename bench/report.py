#!/usr/bin/env python3
"""linelock bench: turns SIPp's files into numbers, and numbers into
bench/out/RESULTS.md plus the gnuplot data.

  report.py step RATE CALLS DIR T0 T1 SUT_TICKS BUSY_TICKS SUT_SYS_TICKS  (stat line on stdin)
      prints one step record (tab-separated, see STEP_FIELDS)
  report.py summary OUTDIR
      reads OUTDIR/*.steps, *.kv; writes OUTDIR/RESULTS.md, OUTDIR/*.dat
"""
import glob
import os
import statistics
import sys

STEP_FIELDS = ("rate calls ok failed retrans elapsed_s sut_ticks busy_ticks "
               "p50_180 p99_180 p50_200 p99_200 p50_ref p99_ref "
               "mean_200 mean_ref "
               "n200 n403 n302 sut_sys_ticks").split()
TICK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1
SYSTEMS = ("sipp", "kam-qm", "kam-tlsf", "linelock")
NAMES = {"sipp": "SIPp to SIPp (generator ceiling)",
         "kam-qm": "Kamailio 5.6 tm, default allocator (qm)",
         "kam-tlsf": "Kamailio 5.6 tm, TLSF (-x tlsf -X tlsf)",
         "linelock": "linelock (B2BUA)"}


def pct(vals, p):
    """Nearest-rank percentile; None for no values."""
    if not vals:
        return None
    vals = sorted(vals)
    k = max(0, min(len(vals) - 1, int(round(p / 100.0 * len(vals) + 0.5)) - 1))
    return vals[k]


def stat_fields(line):
    """SIPp's -trace_stat line (the last one, cumulative columns)."""
    f = line.strip().split(";")
    if len(f) < 60:
        return None
    return f


def read_rtt(d):
    """rtd number -> response times (ms) from every *_rtt.csv in d."""
    out = {}
    for path in glob.glob(os.path.join(d, "*_rtt.csv")):
        with open(path) as fh:
            for ln in fh:
                p = ln.strip().split(";")
                if len(p) != 3 or not p[2].isdigit():
                    continue
                out.setdefault(int(p[2]), []).append(float(p[1]))
    return out


def read_counts(d):
    """Responses received per code, from SIPp's -trace_counts file (its
    last line; columns <index>_<code>_Recv). A code received at several
    places of the scenario counts at its first only (the INVITE's 200, not
    the BYE's)."""
    res = {}
    for path in glob.glob(os.path.join(d, "*_counts.csv")):
        with open(path) as fh:
            lines = [ln.strip().split(";") for ln in fh if ln.strip()]
        if len(lines) < 2:
            continue
        first = {}
        for name, val in zip(lines[0], lines[-1]):
            parts = name.split("_")
            if len(parts) != 3 or parts[2] != "Recv" or \
                    not parts[0].isdigit() or not val.isdigit():
                continue
            idx, code = int(parts[0]), parts[1]
            if code not in first or idx < first[code][0]:
                first[code] = (idx, int(val))
        for code, (_, n) in first.items():
            res[code] = res.get(code, 0) + n
    return res


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        if v.is_integer():
            return "%d" % v
        return "%.3f" % v
    return str(v)


def mean(vals):
    return sum(vals) / len(vals) if vals else None


def cmd_step(argv):
    rate, calls, d, t0, t1, sut, busy, sut_sys = argv
    f = stat_fields(sys.stdin.read())
    ok = failed = retrans = 0
    if f:
        ok, failed, retrans = int(f[15]), int(f[17]), int(f[57])
    rtt = read_rtt(d)
    counts = read_counts(d)
    # Reference latency: to 200 for forwarded calls, to 403/302 otherwise.
    ref = rtt.get(2, []) + rtt.get(3, [])
    rec = [rate, calls, ok, failed, retrans,
           "%.2f" % (float(t1) - float(t0)), sut, busy,
           pct(rtt.get(1), 50), pct(rtt.get(1), 99),
           pct(rtt.get(2), 50), pct(rtt.get(2), 99),
           pct(ref, 50), pct(ref, 99), mean(rtt.get(2)), mean(ref),
           counts.get("200", 0), counts.get("403", 0), counts.get("302", 0),
           sut_sys]
    print("\t".join(fmt(v) for v in rec))


def read_steps(path):
    rows = []
    with open(path) as fh:
        for ln in fh:
            p = ln.rstrip("\n").split("\t")
            # Records from before sut_sys_ticks lack the last field.
            if len(p) == len(STEP_FIELDS) - 1:
                p.append("-")
            if len(p) != len(STEP_FIELDS) or not p[0].isdigit():
                continue
            r = {}
            for k, v in zip(STEP_FIELDS, p):
                r[k] = None if v == "-" else float(v)
            rows.append(r)
    return rows


def step_ok(r):
    """A step passes when every call completed and none failed."""
    return r["failed"] == 0 and r["ok"] == r["calls"]


def read_kv(path):
    kv = {}
    if os.path.exists(path):
        with open(path) as fh:
            for ln in fh:
                if "=" in ln:
                    k, v = ln.rstrip("\n").split("=", 1)
                    kv[k.strip()] = v.strip()
    return kv


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def cpu_us_per_call(r):
    if not r["sut_ticks"] or not r["calls"]:
        return None
    return r["sut_ticks"] * 1e6 / TICK / r["calls"]


def sys_us_per_call(r):
    """The kernel's part (stime) of cpu_us_per_call."""
    if r.get("sut_sys_ticks") is None or not r["calls"]:
        return None
    return r["sut_sys_ticks"] * 1e6 / TICK / r["calls"]


class Ramp:
    """One ramp of one system: its steps, capacity and peak memory."""

    def __init__(self, path):
        self.path = path
        self.steps = read_steps(path)
        kv = read_kv(path[:-len(".steps")] + ".kv")
        self.hwm = float(kv["hwm_kib"]) if kv.get("hwm_kib") else None
        self.pss = float(kv["pss_kib"]) if kv.get("pss_kib") else None
        self.capacity = 0
        for r in self.steps:
            if not step_ok(r):
                break
            self.capacity = r["rate"]

    def at(self, rate):
        for r in self.steps:
            if r["rate"] == rate:
                return r
        return None


def ramps(out, system, kind="ramp"):
    return [Ramp(p) for p in
            sorted(glob.glob(os.path.join(out, "%s-%s-*.steps" %
                                          (kind, system))))]


def ratio(a, b):
    if a is None or b in (None, 0):
        return "-"
    return "%.2f" % (a / b)


def summary_calls(out, md, ref_rate):
    md.append("## Calls: capacity at zero failed calls\n")
    md.append("Median of the runs; a step passes when all its calls "
              "completed and none failed. CPU is the system under test's "
              "utime+stime over the step at %d cps (the kernel's stime "
              "part after the slash); latency from SIPp "
              "(its clock is CLOCK_MONOTONIC_COARSE: 4 ms steps on this 250 Hz "
              "kernel, so percentiles are 0 or 4 ms and the mean over all "
              "calls is the finer figure). Peak RSS: VmHWM summed over the "
              "process tree (Kamailio's shared memory counts once per "
              "process); Pss: proportional set at the end.\n" % ref_rate)
    md.append("| system | runs | capacity cps (each run) | CPU us/call "
              "@%d | p50/p99 INVITE->180 ms @%d | p50/p99/mean INVITE->200 "
              "ms @%d | peak RSS KiB | Pss KiB |" % (ref_rate, ref_rate,
                                                    ref_rate))
    md.append("|---|---|---|---|---|---|---|---|")
    best = {}
    for s in SYSTEMS:
        rs = ramps(out, s)
        if not rs:
            continue
        caps = [r.capacity for r in rs]
        refs = [r.at(ref_rate) for r in rs]
        refs = [x for x in refs if x]
        cpu = med([cpu_us_per_call(x) for x in refs]) if s != "sipp" \
            else None
        kern = med([sys_us_per_call(x) for x in refs]) if s != "sipp" \
            else None
        best[s] = {"cap": med(caps), "cpu": cpu}
        md.append("| %s | %d | %s (%s) | %s | %s / %s | %s / %s / %s | %s "
                  "| %s |"
                  % (NAMES[s], len(rs), fmt(med(caps)),
                     ", ".join("%d" % c for c in caps),
                     ("%.1f" % cpu if cpu else "-") +
                     (" / %.1f" % kern if kern is not None else ""),
                     fmt(med([x["p50_180"] for x in refs])),
                     fmt(med([x["p99_180"] for x in refs])),
                     fmt(med([x["p50_200"] for x in refs])),
                     fmt(med([x["p99_200"] for x in refs])),
                     fmt(med([x["mean_200"] for x in refs])),
                     fmt(med([r.hwm for r in rs])),
                     fmt(med([r.pss for r in rs]))))
    md.append("")
    kam = [best[k] for k in ("kam-qm", "kam-tlsf") if k in best]
    if kam and "linelock" in best:
        kcap = max(k["cap"] for k in kam)
        kcpu = min(k["cpu"] for k in kam if k["cpu"]) if any(
            k["cpu"] for k in kam) else None
        ll = best["linelock"]
        md.append("linelock / best Kamailio: capacity %s (target >= 1.25), "
                  "CPU per call %s (target <= 0.50).\n" %
                  (ratio(ll["cap"], kcap), ratio(ll["cpu"], kcpu)))
    elif kam:
        md.append("linelock: no calls through it in this run (see below); "
                  "no ratio.\n")
    return best


def write_plot_data(out):
    """One .dat per system: rate, median p50/p99 INVITE->200, median
    failed-call percentage, over the runs."""
    for s in SYSTEMS:
        rs = ramps(out, s)
        if not rs:
            continue
        rates = sorted({r["rate"] for x in rs for r in x.steps})
        with open(os.path.join(out, "calls-%s.dat" % s), "w") as fh:
            fh.write("# rate p50_200_ms p99_200_ms failed_pct "
                     "mean_200_ms\n")
            for rate in rates:
                rows = [x.at(rate) for x in rs]
                rows = [r for r in rows if r]
                fail = med([100.0 * (r["calls"] - r["ok"]) / r["calls"]
                            for r in rows])
                fh.write("%d %s %s %s %s\n" % (
                    rate, fmt(med([r["p50_200"] for r in rows])),
                    fmt(med([r["p99_200"] for r in rows])), fmt(fail),
                    fmt(med([r["mean_200"] for r in rows]))))


def summary_mixed(out, md):
    md.append("## Mixed load (10% locked -> 403, 10% redirected -> 302, "
              "80% forwarded)\n")
    md.append("| system | rate cps | calls | ok | failed | 200 / 403 / 302 "
              "| CPU us/call | p50/p99/mean to 403 or 302 ms "
              "| p99/mean to 200 ms |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    for s in SYSTEMS:
        rs = ramps(out, s, "mixed")
        rows = [r for x in rs for r in x.steps]
        if not rows:
            continue
        rate = rows[0]["rate"]
        md.append("| %s | %d | %d | %s | %s | %s / %s / %s | %s "
                  "| %s / %s / %s | %s / %s |" % (
                      NAMES[s], rate, med([r["calls"] for r in rows]),
                      fmt(med([r["ok"] for r in rows])),
                      fmt(med([r["failed"] for r in rows])),
                      fmt(med([r["n200"] for r in rows])),
                      fmt(med([r["n403"] for r in rows])),
                      fmt(med([r["n302"] for r in rows])),
                      fmt(med([cpu_us_per_call(r) for r in rows])),
                      fmt(med([r["p50_ref"] for r in rows])),
                      fmt(med([r["p99_ref"] for r in rows])),
                      fmt(med([r["mean_ref"] for r in rows])),
                      fmt(med([r["p99_200"] for r in rows])),
                      fmt(med([r["mean_200"] for r in rows]))))
    md.append("")


def cmd_summary(argv):
    out = argv[0]
    kv = read_kv(os.path.join(out, "run.kv"))
    ref_rate = int(kv.get("ref_rate", "400"))
    md = ["# linelock benchmark results\n",
          "Generated by `make bench` (bench/run.sh) on %s.\n" %
          kv.get("date", "?"),
          "## Machine\n",
          "- CPU: %s, %s cores" % (kv.get("cpu", "?"), kv.get("cores", "?")),
          "- kernel: %s" % kv.get("kernel", "?"),
          "- SIPp %s, Kamailio %s" % (kv.get("sipp", "?"),
                                      kv.get("kamailio", "?")),
          "- linelock: %s" % kv.get("linelock", "not built"),
          "",
          "## Method\n",
          "Phone (SIPp uac) -> system under test -> PBX (SIPp uas), all on "
          "127.0.0.1 UDP: INVITE, 100, 180, 200, ACK, %s ms hold, BYE, 200 "
          "(14 datagrams through a proxy). The offered rate rises in steps "
          "of %s s of calls each (%s cps); each run starts the system and "
          "the PBX afresh; %s runs per system, interleaved. Kamailio: "
          "transaction-stateful (tm) with record-route, htable lock lookup "
          "on the From user loaded from a db_text file, -n %s -m %s -M %s. "
          "Commands: see bench/run.sh and bench/lib.sh; raw data in "
          "bench/out/.\n" % (kv.get("hold_ms", "?"), kv.get("step_s", "?"),
                             kv.get("rates", "?"), kv.get("runs", "?"),
                             kv.get("kam_children", "?"),
                             kv.get("kam_shm", "?"), kv.get("kam_pkg", "?"))]
    summary_calls(out, md, ref_rate)
    write_plot_data(out)
    md.append("![latency and failures](calls.png)\n")
    summary_mixed(out, md)
    for name in ("registrations", "micro", "callgrind", "notes"):
        path = os.path.join(out, name + ".md")
        if os.path.exists(path):
            with open(path) as fh:
                md.append(fh.read())
    with open(os.path.join(out, "RESULTS.md"), "w") as fh:
        fh.write("\n".join(md) + "\n")


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "step" and len(sys.argv) == 10:
        cmd_step(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "summary":
        cmd_summary(sys.argv[2:])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
