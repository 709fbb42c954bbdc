// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseIP } from '../../../common/helpers/ip.ts';
import { CaptureError, readCapture, writePcap } from './pcap.ts';

const datagrams = [
  {
    source: parseIP('192.0.2.10')!.subarray(12),
    destination: parseIP('192.0.2.1')!.subarray(12),
    sourcePort: 40000,
    destinationPort: 2055,
    timestamp: 1_700_000_000_123.456,
    payload: new Uint8Array([0, 9, 1, 2, 3]),
  },
  {
    source: parseIP('2001:db8::10')!,
    destination: parseIP('2001:db8::1')!,
    sourcePort: 40001,
    destinationPort: 6343,
    timestamp: 1_700_000_001_000,
    payload: new Uint8Array(300).fill(7),
  },
];

describe('capture files', () => {
  it('reads back what it writes', () => {
    const got = readCapture(writePcap(datagrams));
    assert.equal(got.length, 2);
    assert.deepEqual(
      got.map((d) => [d.source, d.sourcePort, d.destinationPort, d.payload.length, Math.round(d.timestamp)]),
      [
        ['192.0.2.10', 40000, 2055, 5, 1_700_000_000_123],
        ['2001:db8::10', 40001, 6343, 300, 1_700_000_001_000],
      ],
    );
    assert.deepEqual([...got[0]!.payload], [0, 9, 1, 2, 3]);
  });

  it('reads pcapng as written by editcap (Wireshark)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'akvorado-pcap-'));
    writeFileSync(join(dir, 'in.pcap'), writePcap(datagrams));
    execFileSync('editcap', ['-F', 'pcapng', join(dir, 'in.pcap'), join(dir, 'out.pcapng')]);
    const got = readCapture(readFileSync(join(dir, 'out.pcapng')));
    assert.deepEqual(
      got.map((d) => [d.source, d.sourcePort, d.payload.length, Math.round(d.timestamp)]),
      [
        ['192.0.2.10', 40000, 5, 1_700_000_000_123],
        ['2001:db8::10', 40001, 300, 1_700_000_001_000],
      ],
    );
  });

  it('rejects files that are not captures and stops at truncation', () => {
    assert.throws(() => readCapture(new TextEncoder().encode('hello world')), CaptureError);
    const file = writePcap(datagrams);
    assert.equal(readCapture(file.subarray(0, file.length - 10)).length, 1);
  });
});
