#!/bin/sh
# Starts the proxy pod: writes the session's public key, makes host keys, starts sshd (as this
# unprivileged user, logging to stderr), then becomes the SOCKS/DNS program.
set -eu

fail() {
  echo "telepresence proxy: $*" >&2
  exit 1
}

key="${TELEPRESENCE_SSH_PUBKEY:-}"
[ -n "$key" ] || fail "TELEPRESENCE_SSH_PUBKEY is empty: the pod spec must carry the session's OpenSSH public key"
[ "$(printf '%s\n' "$key" | wc -l)" -eq 1 ] || fail "TELEPRESENCE_SSH_PUBKEY holds more than one line: give exactly one public key"
printf '%s\n' "$key" | grep -Eq '^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*( [^ ]*)?$' \
  || fail "TELEPRESENCE_SSH_PUBKEY is not an OpenSSH public key line (\"ssh-ed25519 AAAA... comment\"): $(printf '%.40s' "$key")"

ssh_dir=/home/telepresence/.ssh
umask 077
mkdir -p "$ssh_dir"
printf '%s\n' "$key" > "$ssh_dir/authorized_keys"
[ -s "$ssh_dir/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C telepresence-proxy -f "$ssh_dir/ssh_host_ed25519_key"

/usr/sbin/sshd -t -f /etc/telepresence/sshd_config
/usr/sbin/sshd -D -e -f /etc/telepresence/sshd_config &

exec /opt/telepresence/bin/node /opt/telepresence/app/src/main.js serve
