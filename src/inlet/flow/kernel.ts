// SPDX-License-Identifier: AGPL-3.0-only
import { readFileSync } from 'node:fs';

/**
 * udpDrops sums the kernel's drop counters of the UDP sockets bound to
 * `port`, from /proc/net/udp and /proc/net/udp6 (last column: datagrams
 * dropped because the receive buffer was full). Returns null when the files
 * cannot be read (not Linux).
 */
export function udpDrops(port: number, files = ['/proc/net/udp', '/proc/net/udp6']): number | null {
  let total = 0;
  let readAny = false;
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    readAny = true;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13 || !cols[1]!.endsWith(hexPort)) continue;
      total += Number(cols[cols.length - 1]);
    }
  }
  return readAny ? total : null;
}

/** rmemMax reads net.core.rmem_max, the largest receive buffer a socket may ask for (null if unknown). */
export function rmemMax(file = '/proc/sys/net/core/rmem_max'): number | null {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
}
