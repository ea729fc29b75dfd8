#!/bin/sh
# Starts the proxy pod: writes the session's public key, makes host keys, starts sshd (as this
# unprivileged user, logging to stderr), then becomes the SOCKS/DNS program. Without a key (the pod
# of a Deployment that users share, `telepresence --deployment`) no key is authorized until a session
# adds its own through the exec API. The variable names, user and uid are src/protocol's
# (test/unit/proxy-pod/image-files.test.ts).
set -eu

fail() {
  echo "telepresence proxy: $*" >&2
  exit 1
}

key="${TELEPRESENCE_SSH_PUBKEY:-}"
if [ -n "$key" ]; then
  [ "$(printf '%s\n' "$key" | wc -l)" -eq 1 ] || fail "TELEPRESENCE_SSH_PUBKEY holds more than one line: give exactly one public key"
  printf '%s\n' "$key" | grep -Eq '^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*( [^ ]*)?$' \
    || fail "TELEPRESENCE_SSH_PUBKEY is not an OpenSSH public key line (\"ssh-ed25519 AAAA... comment\"): $(printf '%.40s' "$key")"
else
  echo "telepresence proxy: no TELEPRESENCE_SSH_PUBKEY: no key may log in until a session authorizes its own (telepresence --deployment)" >&2
fi
# The file holds the key line, or nothing.
authorized() {
  if [ -n "$key" ]; then printf '%s\n' "$key"; fi
}

ssh_dir=/home/telepresence/.ssh
umask 077
mkdir -p "$ssh_dir"
authorized > "$ssh_dir/authorized_keys"
# The host key pair: made here unless the image or a volume brings one. Its public half is what the
# launcher reads through the exec API and pins (src/protocol POD_HOST_KEY_FILE), so it must be there.
host_key="$ssh_dir/ssh_host_ed25519_key"
[ -s "$host_key" ] || ssh-keygen -q -t ed25519 -N '' -C telepresence-proxy -f "$host_key"
[ -s "$host_key.pub" ] || ssh-keygen -y -f "$host_key" > "$host_key.pub"
echo "telepresence proxy: SSH host key $(ssh-keygen -l -f "$host_key.pub")" >&2

# The privileged variant (runAsUser 0, for --expose of a port below 1024): only a root session may
# listen there, so root may log in too, with the same key; sshd then needs its privsep directory.
set --
if [ "$(id -u)" -eq 0 ]; then
  mkdir -p /root/.ssh /run/sshd
  chmod 0755 /run/sshd
  authorized > /root/.ssh/authorized_keys
  # Options given with -o win over the file's.
  set -- -o PermitRootLogin=prohibit-password -o "AllowUsers=root telepresence"
fi

# SSH sessions (telepresence-podinfo) do not inherit this environment: the program saves it here.
export TELEPRESENCE_STATE_DIR=/home/telepresence/.telepresence-pod
mkdir -p "$TELEPRESENCE_STATE_DIR"
# As root, leave the user's files to the user, so that a telepresence session can still use them.
[ "$(id -u)" -ne 0 ] || chown -R 1000:1000 "$ssh_dir" "$TELEPRESENCE_STATE_DIR"

/usr/sbin/sshd -t -f /etc/telepresence/sshd_config "$@"
/usr/sbin/sshd -D -e -f /etc/telepresence/sshd_config "$@" &

exec /opt/telepresence/bin/node /opt/telepresence/app/proxy-pod/src/main.js serve
