#!/bin/sh
# Build the probe's working directory (default /tmp/nimbus-probe). Run as root on Debian 12.
#   sh setup.sh          then e.g. /usr/bin/python3 hostile.py all ; /usr/bin/python3 bench.py cold 40
#   sh setup.sh clean    kill/remove leftover probe cgroups and delete the directory
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
P=${NIMBUS_PROBE_DIR:-/tmp/nimbus-probe}
if [ "${1:-}" = clean ]; then
    /usr/bin/python3 -c "import sys; sys.path.insert(0, '$HERE'); import sandbox; print('removed cgroups:', sandbox.cleanup_all())"
    rm -rf "$P"; exit 0
fi
command -v bwrap >/dev/null || apt-get install -y bubblewrap
[ -f /usr/include/seccomp.h ] || apt-get install -y libseccomp-dev
mkdir -p "$P/bin" "$P/task" "$P/etc" "$P/logs"
gcc -O2 -Wall -o "$P/bin/nimbus_spawn" "$HERE/nimbus_spawn.c"
gcc -O2 -Wall -o "$P/bin/mkseccomp" "$HERE/mkseccomp.c" -lseccomp
"$P/bin/mkseccomp" "$P/seccomp.bpf"
# awslambdaric 4.2.2 ships a manylinux2014 cp311 wheel: no C build needed
[ -x "$P/venv/bin/python" ] || { /usr/bin/python3 -m venv "$P/venv" && "$P/venv/bin/pip" install -q awslambdaric; }
cat > "$P/task/app.py" <<'EOF'
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"echo": event, "left_ms": context.get_remaining_time_in_millis()})}
EOF
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nsbx_user1051:x:993:990::/tmp:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$P/etc/passwd"
printf 'root:x:0:\nsbx_user1051:x:990:\nnogroup:x:65534:\n' > "$P/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$P/etc/hosts"
chmod -R a+rX "$P"     # the sandbox's host uid must be able to walk to and read everything it binds
echo "ready: $P"
