# shellcheck shell=sh
# Sourced first by test scripts that want a network namespace of their own
# (calls.sh, phones.sh): it_netns PREFIX SCRIPT ARGS... runs SCRIPT again
# inside a new namespace PREFIX-PID, with its loopback up, when the run is
# root and has iproute2, and exits with SCRIPT's status; the namespace is
# deleted however the run ends (its processes are gone by then: the run
# inside stops what it started).  Inside, or where no namespace can be
# made, it returns and the script goes on where it is; IT_NETNS names the
# namespace (empty without one).
it_netns() {
	if [ -z "${IT_NETNS+set}" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1; then
		_nn=$1-$$
		shift
		if ip netns add "$_nn" 2>/dev/null; then
			trap 'ip netns del "$_nn" 2>/dev/null' EXIT
			trap 'exit 1' INT TERM HUP
			ip netns exec "$_nn" ip link set lo up
			IT_NETNS=$_nn ip netns exec "$_nn" sh "$@"
			exit $?
		fi
	fi
	IT_NETNS=${IT_NETNS:-}
}
