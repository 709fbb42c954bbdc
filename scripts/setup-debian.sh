#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks use as real peers:
# tshark (decoding oracle), softflowd and pmacct (real exporters), nfdump,
# snmpd and snmp (SNMP agent and tools), compilers (native addons, benchmark
# sender), chromium (console browser tests), Java and Maven when missing
# (Kafka broker). Idempotent:
# nothing is downloaded when everything is present.
set -euo pipefail
packages=(tshark softflowd pmacct nfdump snmpd snmp gcc g++ make python3 libc6-dev chromium)
# The Kafka broker of the tests runs on Java 17 and comes from Maven Central.
command -v java >/dev/null || packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || packages+=(maven)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-debian: missing packages: ${missing[*]}; run as root or install them with apt-get" >&2
  exit 1
fi
echo "setup-debian: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture: no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# snmpd starts a system agent on installation; tests run their own.
systemctl disable --now snmpd >/dev/null 2>&1 || service snmpd stop >/dev/null 2>&1 || true
