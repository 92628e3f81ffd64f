# Builds build/bench/results.json from the pieces tests/bench/run.sh wrote
# (jq -n with --slurpfile machine/steps/logs/lat/flows/fp and a few --arg).
# The targets of the issue are judged here, so that the file says by itself
# what was met.

def ratio($a; $b): if $a != null and $b != null and $b > 0 then ($a / $b) else null end;
# Ratios are kept unrounded: a target is judged on the measured value, the
# summary rounds for display.

($steps[0]) as $steps
| ($flows[0]) as $flows
| ($lat[0]) as $lat
| ($fp[0]) as $fp
| ([$steps[].rate] | unique) as $rates
| [ $rates[] as $r
    | ($steps | map(select(.rate == $r and .edge == "sipsidecar")) | .[0]) as $s
    | ($steps | map(select(.rate == $r and .edge == "kamailio")) | .[0]) as $k
    | { rate: $r,
        cpu_per_call_ratio: ratio($s.cpu_s_per_1000_calls; $k.cpu_s_per_1000_calls),
        peak_pss_ratio: ratio($s.peak_pss_kib; $k.peak_pss_kib),
        sipsidecar_failed: $s.failed, kamailio_failed: $k.failed,
        kamailio_clean: ($k.failed == 0 and $k.ok > 0) } ] as $ratios
| ($ratios | map(select(.kamailio_clean))) as $clean
| ([$lat.hops[] | select(.hop == "lan-tls" or .hop == "tls-lan") | .p99_us] | max) as $p99
| [ { name: "cpu_per_call",
      what: "CPU per call <= 0.25x the Kamailio edge's, at every rate the Kamailio edge completes without failures",
      limit: 0.25, unit: "ratio (worst rate)",
      value: ([$clean[].cpu_per_call_ratio] | max),
      met: (($clean | length) > 0 and all($clean[]; .cpu_per_call_ratio != null and .cpu_per_call_ratio <= 0.25)) },
    { name: "no_failed_calls",
      what: "0 failed calls through sipsidecar at every rate the Kamailio edge completes without failures",
      limit: 0, unit: "failed calls",
      value: ([$clean[].sipsidecar_failed] | add),
      met: (($clean | length) > 0 and all($clean[]; .sipsidecar_failed == 0)) },
    { name: "peak_pss",
      what: "peak PSS <= 0.1x the Kamailio edge's, at every rate the Kamailio edge completes without failures",
      limit: 0.1, unit: "ratio (worst rate)",
      value: ([$clean[].peak_pss_ratio] | max),
      met: (($clean | length) > 0 and all($clean[]; .peak_pss_ratio != null and .peak_pss_ratio <= 0.1)) },
    { name: "memory_per_flow",
      what: "<= 16 KiB per idle TLS flow (fitted RSS slope)",
      limit: 16, unit: "KiB per flow",
      value: $flows.slope_rss_kib_per_flow,
      wolfssl_alone_kib: (if $flows.wolfssl_per_connection == null then null
                          else $flows.wolfssl_per_connection.total_bytes / 1024 end),
      met: ($flows.slope_rss_kib_per_flow != null and $flows.slope_rss_kib_per_flow <= 16) },
    { name: "armhf_size",
      what: "stripped armhf binary <= 100 KB (100,000 bytes)",
      limit: 100000, unit: "bytes",
      value: $fp.stripped_bytes.armhf,
      met: ($fp.stripped_bytes.armhf != null and $fp.stripped_bytes.armhf <= 100000) },
    { name: "idle_rss",
      what: "idle RSS <= 2 MB (2,000,000 bytes) with the example configuration",
      limit: 1953.125, unit: "KiB",
      value: $fp.idle.rss_kib,
      met: ($fp.idle.rss_kib != null and $fp.idle.rss_kib * 1024 <= 2000000) },
    { name: "latency_p99",
      what: "added latency p99 <= 250 us per hop at 100 calls/s on loopback (worse hop)",
      limit: 250, unit: "us",
      value: $p99,
      met: ($p99 != null and $p99 <= 250) } ] as $targets
| { generated: $date,
    quick: $quick,
    run_seconds: $wall,
    machine: $machine[0],
    settings: { rates: ($rates), seconds_per_step: $step, call_ms: $callms,
                latency_rate: $lat.rate, latency_seconds: $lat.seconds,
                flows: [$flows.points[] | select(.flows > 0) | .flows] },
    throughput: { steps: $steps, ratios: $ratios,
                  run_peak_pss_ratio: (ratio([$steps[] | select(.edge == "sipsidecar") | .peak_pss_kib] | max;
                                             [$steps[] | select(.edge == "kamailio") | .peak_pss_kib] | max)),
                  logs: $logs[0] },
    memory_per_flow: $flows,
    latency: $lat,
    latency_pinned: $latpin[0],
    footprint: $fp,
    methods: {
      throughput: "sipp UAC (tests/bench/scenarios/uac.xml, -r RATE -m RATE*SECONDS -d CALL_MS) from one UDP port through the edge to the provider (tests/interop/kamailio.cfg with registrar use_path) and back through the edge to a sipp UAS registered through it. ok = the caller's successful calls (-trace_stat); failed = planned - ok; retransmissions = both phones' Retransmissions(C). CPU = utime+stime (/proc/PID/stat) of the edge's process tree, before and after the step; peak PSS/RSS = the highest 1-second sample of /proc/PID/smaps_rollup summed over the tree. The edges alternate which goes first at each rate.",
      memory_per_flow: "sipsidecar configured with the largest number of devices, each matched by its own address 127.1.X.Y; devices register (sipsend, one REGISTER each) in batches up to each size, each opening its own TLS flow (connection: per-device); RSS/PSS of the process 2 s after each batch, flows counted with ss; slope by least squares over the sizes (x = flows open).",
      latency: "tests/bench/lathook.c preloaded into sipsidecar: each message in is stamped with the kernel arrival time of its datagram (SIOCGSTAMPNS) or of its TCP bytes (SO_TIMESTAMPNS); each message out just before its sendmsg (UDP) or just before the TCP write that carries its TLS record; messages are paired by Call-ID, CSeq and status (or request); 100 Trying is left out. HOP: kernel arrival to send; HOP/proc: from the return of the receive call (processing only).",
      footprint: "make strip ARCH=native|arm64|armhf (cross builds against platform/sysroot.sh), file size of build/ARCH/sipsidecar.stripped (dynamically linked: wolfSSL, libuv, libyaml and libc not counted); idle = RSS/PSS 3 s after start with config/sipsidecar.yaml, its LAN address moved to loopback."
    },
    targets: $targets,
    targets_met: ($targets | map(select(.met)) | length),
    targets_missed: ($targets | map(select(.met | not)) | length) }
