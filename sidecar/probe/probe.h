/* `sipsidecar probe TARGET [options]`: diagnose a TLS SIP peer (SPEC §2,
 * §6; docs/probe.md).  Prints one line per step (dns, tcp, tls, cert N,
 * verify, sip) and, on failure, "diagnosis: CLASS: message" and "fix: ...".
 */
#ifndef SC_PROBE_H
#define SC_PROBE_H

/* Exit statuses besides the diagnosis classes' (sc_tls_diag_exit_code). */
#define SC_PROBE_EXIT_RUNTIME 1 /* cannot even start (out of memory, no event loop) */
#define SC_PROBE_EXIT_USAGE 2   /* bad arguments or unusable --ca/--cert/--key files */
#define SC_PROBE_EXIT_SIP 40    /* TLS is fine but OPTIONS got no usable answer */

/* Runs the probe; argv[0] is the first argument after "probe".  Returns
 * the exit status. */
int sc_probe_main(int argc, char **argv);

#endif
