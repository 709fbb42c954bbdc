// SPDX-License-Identifier: AGPL-3.0-only
// Loads the native UDP receiver (native/udp, built by scripts/build-native.sh).
import { loadAddon } from '../../../common/native.ts';

/** NativeReceiver is one socket read by the addon (see native/udp/README.md). */
export interface NativeReceiver {
  /** port is the bound port. */
  readonly port: number;
  /** receiveBuffer is the SO_RCVBUF the kernel granted. */
  readonly receiveBuffer: number;
  /** takeError returns (and forgets) the last exception thrown by the callback. */
  takeError(): unknown;
  /** close stops receiving and closes the socket (idempotent). */
  close(): void;
}

/** NativeUDP is the addon's interface. */
export interface NativeUDP {
  /**
   * open binds a UDP socket (SO_REUSEPORT, dual stack for IPv6) to `host`
   * (an IP address; '' for every address) and `port`. Each recvmmsg batch
   * of `count` datagrams lands in `buffer` (datagram i at i × slot size,
   * where the slot size is buffer.byteLength / lengths.length), their
   * lengths in `lengths` (-1: truncated) and their sources in `addresses`
   * (ADDRESS_STRIDE bytes each: 16 bytes of address, IPv4 as IPv4-mapped,
   * then the port, big-endian); then `callback(count)` runs. A negative
   * count is a receive error (-errno).
   */
  open(
    host: string,
    port: number,
    receiveBuffer: number,
    buffer: ArrayBuffer,
    lengths: Int32Array,
    addresses: Uint8Array,
    callback: (count: number) => void,
  ): NativeReceiver;
  readonly ADDRESS_STRIDE: number;
  readonly MAX_SLOTS: number;
}

/**
 * loadNativeUDP returns the addon, or null when it is not built, cannot load
 * or is disabled with AKVORADO_NATIVE_UDP=0.
 */
export function loadNativeUDP(): NativeUDP | null {
  if (process.env['AKVORADO_NATIVE_UDP'] === '0') return null;
  return loadAddon<NativeUDP>('udp');
}
