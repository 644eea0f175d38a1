"""The load part of the benchmark (scripts/bench.py): `hubmail serve` over the benchmark's
data, under wrk (Debian's HTTP load generator, on the same 2 cores as the server).

Every contribution is approved and the site published, then wrk runs the benchmark's
queries (queries/bench/, in turn) against /api/search with 50 and then 10 connections,
and fetches static pages with 50; the server's resident memory is sampled every 100 ms
throughout. Reports requests/s, latency percentiles, refusals and peak RSS."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

LUA = r"""
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT {\"requests\":%%d,\"duration_us\":%%d,\"p50_us\":%%d,\"p90_us\":%%d,\"p99_us\":%%d,\"max_us\":%%d,\"socket_errors\":%%d,\"non_2xx\":%%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def rss_mb(pid):
    """Resident and peak resident memory of a process, in MB."""
    now = peak = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


def wrk(url, paths, connections, seconds, work, label):
    script = os.path.join(work, f"wrk-{label}.lua")
    with open(script, "w") as f:
        f.write(LUA % ", ".join(json.dumps(p) for p in paths))
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script, url],
        capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    r = json.loads(line[len("RESULT "):])
    r["per_s"] = r["requests"] / (r["duration_us"] / 1e6)
    r["connections"] = connections
    return r


def approve_all(hubmail, env):
    """Approves every pending submission, 5,000 ids a command; returns the count and s."""
    started = time.perf_counter()
    pending = json.loads(subprocess.run([hubmail, "queue", "--json", "--limit", "0"], env=env,
                                        capture_output=True, check=True).stdout)
    ids = [str(row["id"]) for row in pending]
    for at in range(0, len(ids), 5000):
        subprocess.run([hubmail, "approve", "--json", *ids[at:at + 5000]], env=env,
                       capture_output=True, check=True)
    return len(ids), time.perf_counter() - started


def measure(hubmail, env, queries, work, quick):
    approved, approve_s = approve_all(hubmail, env)
    site = os.path.join(work, "site")
    started = time.perf_counter()
    subprocess.run([hubmail, "publish", "--out", site], env=env, capture_output=True, check=True)
    publish_s = time.perf_counter() - started
    server = subprocess.Popen(
        [hubmail, "serve", "--site", site, "--addr", "127.0.0.1:0", "--searches-per-minute", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline().strip()
        if not line.startswith("listening on http://"):
            sys.exit(f"hubmail serve did not start: {line!r}")
        url = line[len("listening on "):].rstrip("/")
        peak = [0.0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_mb(server.pid)[0])
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        searches = ["/api/search?q=" + urllib.parse.quote(q) for q in queries]
        seconds = 3 if quick else 20
        # Warm the page cache and the index's readers before measuring.
        wrk(url, searches, 10, 2, work, "warm")
        results = {
            "approved": approved, "approve_s": approve_s, "publish_s": publish_s,
            "search_50": wrk(url, searches, 50, seconds, work, "search-50"),
            "search_10": wrk(url, searches, 10, seconds, work, "search-10"),
            "search_nofacets_50": wrk(url, [p + "&facets=false" for p in searches], 50, seconds, work,
                                      "nofacets-50"),
            "search_page_10": wrk(url, [f"/en/bench/search?q={urllib.parse.quote(q)}" for q in queries],
                                  10, seconds, work, "page-10"),
            # The space's own page holds every contribution (hundreds of MB at 100,000):
            # the small pages measure the server, not the loopback's bandwidth.
            "static_50": wrk(url, ["/", "/en/index.html", "/style.css"], 50, seconds, work, "static-50"),
        }
        stop.set()
        sampler.join()
        results["rss_sampled_peak_mb"] = peak[0]
        results["rss_hwm_mb"] = rss_mb(server.pid)[1]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    return results


def markdown(r):
    def row(name, x):
        return (f"| {name} | {x['connections']} | {x['per_s']:,.0f} | {x['p50_us'] / 1000:.2f} | "
                f"{x['p90_us'] / 1000:.2f} | {x['p99_us'] / 1000:.2f} | {x['non_2xx'] + x['socket_errors']} |")
    return "\n".join([
        f"hubmail serve under wrk (2 threads, same machine), {r['approved']:,} contributions approved "
        f"in {r['approve_s']:.0f} s, published in {r['publish_s']:.1f} s:",
        "",
        "| load | connections | requests/s | p50 ms | p90 ms | p99 ms | refused or failed |",
        "|---|---|---|---|---|---|---|",
        row("/api/search, the benchmark's queries", r["search_50"]),
        row("/api/search, the benchmark's queries", r["search_10"]),
        row("/api/search&facets=false (hits only)", r["search_nofacets_50"]),
        row("/en/SPACE/search (HTML page)", r["search_page_10"]),
        row("static pages and style.css", r["static_50"]),
        "",
        f"Server RSS: peak sampled {r['rss_sampled_peak_mb']:.0f} MB, high-water mark {r['rss_hwm_mb']:.0f} MB.",
    ])
