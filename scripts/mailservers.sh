#!/usr/bin/env bash
# Real mail servers for the tests, on 127.0.0.1 only: Postfix accepting SMTP on port 25
# (STARTTLS offered) and submission on port 587 (STARTTLS required, then AUTH against
# Dovecot), delivering into Maildirs, Dovecot serving them over IMAP
# on port 143 (STARTTLS) and 993 (TLS), with IDLE and MOVE. The certificates come from a
# test CA made here: /var/lib/hubmail-test/tls/ca.pem (hubmail's ca_file in the tests).
#
#   bash scripts/mailservers.sh start    # install (Debian packages) when missing, configure, start
#   bash scripts/mailservers.sh stop [postfix|dovecot]   # both by default; connections too
#   bash scripts/mailservers.sh status
#   bash scripts/mailservers.sh reset    # empty every test mailbox
#
# Idempotent. Needs root (it installs packages and writes /etc/postfix and /etc/dovecot).
# Test accounts (password = the name followed by "-secret"):
#   contact@consultation.test       the consultation's contact mailbox (hubmail reads it)
#   contributor@example.test        a contributor (receives acknowledgements and decisions;
#                                   contributor+anything@ arrives there too)
#   moderators@consultation.test    the moderators (receive the digest)
set -euo pipefail

BASE=/var/lib/hubmail-test
MAIL="$BASE/mail"
USERS=(contact@consultation.test contributor@example.test moderators@consultation.test)

install() {
  local need=()
  command -v postfix >/dev/null 2>&1 || need+=(postfix)
  command -v dovecot >/dev/null 2>&1 || need+=(dovecot-imapd)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} (Debian packages)" >&2
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${need[@]}" >/dev/null 2>&1
  fi
  getent group hubmailvm >/dev/null || groupadd --system hubmailvm
  getent passwd hubmailvm >/dev/null || useradd --system --gid hubmailvm --home-dir "$BASE" --shell /usr/sbin/nologin hubmailvm
}

certificates() {
  local tls="$BASE/tls"
  mkdir -p "$tls"
  if [ ! -s "$tls/server.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=hubmail test CA" \
      -keyout "$tls/ca.key" -out "$tls/ca.pem" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
      -keyout "$tls/server.key" -out "$tls/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=DNS:localhost,DNS:mx.consultation.test,IP:127.0.0.1\n' > "$tls/san.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
      -days 3650 -extfile "$tls/san.ext" -out "$tls/server.pem" >/dev/null 2>&1
  fi
  chmod 644 "$tls/ca.pem" "$tls/server.pem"
  chmod 640 "$tls/server.key"
}

configure() {
  local uid gid
  uid=$(id -u hubmailvm)
  gid=$(id -g hubmailvm)
  mkdir -p "$MAIL" "$BASE/home"
  : > /etc/postfix/hubmail-vmailbox
  : > /etc/dovecot/hubmail-users
  for u in "${USERS[@]}"; do
    local name=${u%@*}
    mkdir -p "$MAIL/$name/new" "$MAIL/$name/cur" "$MAIL/$name/tmp"
    echo "$u $name/" >> /etc/postfix/hubmail-vmailbox
    echo "$u:{PLAIN}$name-secret::::::" >> /etc/dovecot/hubmail-users
  done
  chown -R hubmailvm:hubmailvm "$BASE"
  chmod 640 /etc/dovecot/hubmail-users
  chgrp dovecot /etc/dovecot/hubmail-users 2>/dev/null || true

  cat > /etc/postfix/main.cf <<CONF
# Written by hubmail's scripts/mailservers.sh: a loopback-only test server.
compatibility_level = 3.6
myhostname = mx.consultation.test
mydomain = consultation.test
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
relayhost =
virtual_mailbox_domains = consultation.test example.test
virtual_mailbox_base = $MAIL
virtual_mailbox_maps = texthash:/etc/postfix/hubmail-vmailbox
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 100
# contributor+window@example.test reaches contributor@: one real mailbox, many senders.
recipient_delimiter = +
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
smtputf8_enable = no
biff = no
maillog_file = /var/log/postfix-hubmail.log
smtpd_tls_cert_file = $BASE/tls/server.pem
smtpd_tls_key_file = $BASE/tls/server.key
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
# AUTH only on submission (587): port 25 must keep taking mail while Dovecot, which
# answers AUTH, is down (a test stops it).
smtpd_sasl_auth_enable = no
CONF
  grep -q '^postlog' /etc/postfix/master.cf || \
    printf 'postlog   unix-dgram n  -       n       -       1       postlogd\n' >> /etc/postfix/master.cf
  grep -q '^submission ' /etc/postfix/master.cf || printf '%s\n' \
    'submission inet n       -       n       -       -       smtpd' \
    '  -o syslog_name=postfix/submission' \
    '  -o smtpd_tls_security_level=encrypt' \
    '  -o smtpd_sasl_auth_enable=yes' \
    '  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject' \
    >> /etc/postfix/master.cf

  cat > /etc/dovecot/dovecot.conf <<CONF
# Written by hubmail's scripts/mailservers.sh: a loopback-only test server.
protocols = imap
# 127.0.0.2 is the same server without MOVE, as some providers' servers are (the tests
# of the \Seen path use it).
listen = 127.0.0.1, 127.0.0.2
ssl = yes
ssl_cert = <$BASE/tls/server.pem
ssl_key = <$BASE/tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$MAIL/%n
mail_uid = hubmailvm
mail_gid = hubmailvm
first_valid_uid = $uid
log_path = /var/log/dovecot-hubmail.log
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u /etc/dovecot/hubmail-users
}
userdb {
  driver = static
  args = uid=hubmailvm gid=hubmailvm home=$BASE/home/%n
}
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
protocol imap {
  mail_max_userip_connections = 100
  imap_idle_notify_interval = 1 secs
}
local 127.0.0.2 {
  protocol imap {
    imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH SEARCHRES WITHIN LIST-STATUS BINARY SPECIAL-USE
  }
}
CONF
}

running_postfix() { postfix status >/dev/null 2>&1; }
running_dovecot() { doveadm service status >/dev/null 2>&1 || pgrep -x dovecot >/dev/null 2>&1; }

start() {
  install
  certificates
  configure
  if running_postfix; then postfix reload >/dev/null 2>&1; else postfix start >/dev/null 2>&1; fi
  if running_dovecot; then doveadm reload >/dev/null 2>&1 || true; else dovecot >/dev/null 2>&1; fi
  for _ in $(seq 50); do
    if (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/587) 2>/dev/null \
      && (exec 3<>/dev/tcp/127.0.0.1/143) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/993) 2>/dev/null; then
      echo "mail servers up: SMTP 127.0.0.1:25, submission 587 (STARTTLS, AUTH), IMAP 143 (STARTTLS) and 993 (TLS)"
      return 0
    fi
    sleep 0.2
  done
  echo "mail servers did not come up; see /var/log/postfix-hubmail.log and /var/log/dovecot-hubmail.log" >&2
  return 1
}

stop() {
  local which=${1:-all}
  if [ "$which" = all ] || [ "$which" = postfix ]; then
    postfix stop >/dev/null 2>&1 || true
  fi
  if [ "$which" = all ] || [ "$which" = dovecot ]; then
    doveadm stop >/dev/null 2>&1 || pkill -x dovecot >/dev/null 2>&1 || true
    # IMAP sessions outlive the master process: end them, as a real outage would.
    pkill -f '^dovecot/' >/dev/null 2>&1 || true
  fi
  echo "stopped: $which"
}

status() {
  running_postfix && echo "postfix: running" || echo "postfix: stopped"
  running_dovecot && echo "dovecot: running" || echo "dovecot: stopped"
}

reset() {
  for u in "${USERS[@]}"; do
    local name=${u%@*}
    find "$MAIL/$name" -mindepth 1 -delete 2>/dev/null || true
    mkdir -p "$MAIL/$name/new" "$MAIL/$name/cur" "$MAIL/$name/tmp"
  done
  chown -R hubmailvm:hubmailvm "$MAIL"
  postsuper -d ALL >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-all}" ;;
  status) status ;;
  reset) reset ;;
  *) echo "usage: $0 start|stop|status|reset" >&2; exit 2 ;;
esac
