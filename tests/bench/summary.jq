# The printed summary of build/bench/results.json (jq -r).  Last line:
# "bench: N targets met, N missed".

def pad($n): tostring | if length >= $n then . else . + (" " * ($n - length)) end;
def lpad($n): tostring | if length >= $n then . else (" " * ($n - length)) + . end;
def f($d): if . == null then "-" else (. * pow(10; $d) | round) / pow(10; $d) | tostring end;
def mib: if . == null then "-" else (. / 1024 * 10 | round) / 10 | tostring end;

"",
"sipsidecar benchmark, \(.generated)\(if .quick then " (BENCH_QUICK: a smoke run, not figures)" else "" end)",
"machine: \(.machine.cpu_model), \(.machine.cpus) CPUs, \(.machine.os), kernel \(.machine.kernel); source \(.machine.source)",
"",
"1. throughput and CPU (\(.settings.seconds_per_step) s per rate and edge, calls of \(.settings.call_ms) ms)",
("  " + ("rate" | lpad(5)) + "  " + ("edge" | pad(10)) + ("ok" | lpad(7)) + ("failed" | lpad(8))
  + ("retrans" | lpad(8)) + ("CPU s/1000" | lpad(12)) + ("peak PSS MiB" | lpad(14))),
(.throughput.steps | sort_by(.rate, .edge)[]
  | "  " + (.rate | lpad(5)) + "  " + (.edge | pad(10)) + (.ok | lpad(7)) + (.failed | lpad(8))
    + (.retransmissions | lpad(8)) + (.cpu_s_per_1000_calls | f(3) | lpad(12))
    + (.peak_pss_kib | mib | lpad(14))),
"  ratios sipsidecar/Kamailio:",
(.throughput.ratios[]
  | "  " + (.rate | lpad(5)) + "  CPU per call " + (.cpu_per_call_ratio | f(4) | lpad(6))
    + "   peak PSS " + (.peak_pss_ratio | f(4) | lpad(6))
    + (if .kamailio_clean then "" else "   (Kamailio edge had failures: not judged)" end)),
"  peak PSS over the whole run: ratio \(.throughput.run_peak_pss_ratio | f(3))",
"  sipsidecar at exit: \(.throughput.logs.sipsidecar_counters_at_exit); \(.throughput.logs.sipsidecar_warnings) warnings; Kamailio edge: \(.throughput.logs.kamailio_edge_errors) ERROR lines",
"",
"2. memory per flow (sipsidecar, one TLS flow per device)",
(.memory_per_flow.points[]
  | "  " + (.flows | lpad(5)) + " devices  " + (.open | lpad(5)) + " flows open   RSS "
    + (.rss_kib | lpad(7)) + " KiB   PSS " + (.pss_kib | lpad(7)) + " KiB"),
"  slope: RSS \(.memory_per_flow.slope_rss_kib_per_flow | f(1)) KiB/flow, PSS \(.memory_per_flow.slope_pss_kib_per_flow | f(1)) KiB/flow",
(.memory_per_flow.wolfssl_per_connection // empty
  | "  wolfSSL alone, one connection (flowmem): \(.total_bytes) B: wolfSSL_new \(.new_bytes) B (its session \(.session_bytes) B), kept from the handshake \(.handshake_bytes) B; \(.version) \(.cipher)"),
"",
"3. latency added by sipsidecar per hop at \(.latency.rate) calls/s (\(.latency.ok)/\(.latency.calls) calls ok)",
(.latency.hops[]
  | "  " + (.hop | pad(14)) + (.pairs | lpad(7)) + " pairs   p50 " + (.p50_us | f(1) | lpad(7))
    + " us   p99 " + (.p99_us | f(1) | lpad(7)) + " us   max " + (.max_us | f(1) | lpad(8)) + " us"),
"  (HOP: kernel arrival to send; HOP/proc: receive call to send)",
(if (.latency_pinned.hops | length) > 0 then
  "  the same with sipsidecar alone on one CPU (\(.latency_pinned.ok)/\(.latency_pinned.calls) calls ok):",
  (.latency_pinned.hops[]
    | "  " + (.hop | pad(14)) + (.pairs | lpad(7)) + " pairs   p50 " + (.p50_us | f(1) | lpad(7))
      + " us   p99 " + (.p99_us | f(1) | lpad(7)) + " us   max " + (.max_us | f(1) | lpad(8)) + " us")
 else empty end),
"",
"4. footprint",
"  stripped: x86_64 \(.footprint.stripped_bytes.x86_64 // "-") B, arm64 \(.footprint.stripped_bytes.arm64 // "-") B, armhf \(.footprint.stripped_bytes.armhf // "-") B",
"  idle, config/sipsidecar.yaml (\(.footprint.idle.ca_certificates) CAs in ca_file): RSS \(.footprint.idle.rss_kib) KiB, PSS \(.footprint.idle.pss_kib) KiB",
(.footprint.idle.by_mapping // [] | .[:6] | map("\(.mapping) \(.rss_kib)") | join(", ")
  | "  idle RSS by mapping, KiB: \(.)"),
"  idle, the same with a one-certificate ca_file: RSS \(.footprint.idle_single_ca.rss_kib) KiB, PSS \(.footprint.idle_single_ca.pss_kib) KiB",
"",
"targets",
(.targets[]
  | "  " + (if .met then "PASS" else "MISS" end) + "  " + (.name | pad(16))
    + (if .value == null then "not measured" else (.value | f(4) | tostring) + " " + .unit end)
    + "  (limit \(.limit))"),
"",
"results: build/bench/results.json",
"bench: \(.targets_met) targets met, \(.targets_missed) missed"
