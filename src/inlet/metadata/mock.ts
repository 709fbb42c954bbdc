// SPDX-License-Identifier: AGPL-3.0-only
// Test double (not part of the build): a metadata component whose provider
// makes names up, for tests of the flow path that need no SNMP agent.
import type { TestContext } from 'node:test';
import { startStop } from '../../common/helpers/tests.ts';
import type { Reporter } from '../../common/reporter/root.ts';
import { defaultConfiguration, type Configuration } from './config.ts';
import { emptyExporter, emptyInterface, type InterfaceInfo, type Provider, type ProviderAnswer } from './provider/root.ts';
import { MetadataComponent } from './root.ts';

/**
 * MockProvider answers for every exporter at once: the exporter is named
 * "mock-<address>", and ifIndex N is "Gi0/0/N", described "Interface N",
 * at 1000 Mbps. ifIndex 0 and ifIndexes in `unknown` have no interface.
 */
export class MockProvider implements Provider {
  readonly type = 'mock';
  readonly unknown: Set<number>;

  constructor(unknown: Iterable<number> = []) {
    this.unknown = new Set(unknown);
  }

  query(exporterIP: string, ifIndexes: readonly number[]): Promise<ProviderAnswer | null> {
    const interfaces = new Map<number, InterfaceInfo | null>();
    for (const i of ifIndexes) {
      interfaces.set(i, i === 0 || this.unknown.has(i) ? null : emptyInterface(`Gi0/0/${i}`, `Interface ${i}`, 1000));
    }
    return Promise.resolve({ exporter: emptyExporter(`mock-${exporterIP}`), interfaces });
  }
}

/** newMock returns a started metadata component answering with a MockProvider; it stops when the test ends. */
export function newMock(t: TestContext, r: Reporter, config: Partial<Configuration> = {}, provider = new MockProvider()): Promise<MetadataComponent> {
  const c = new MetadataComponent(r, { ...defaultConfiguration(), providers: [], ...config }, { providers: [provider] });
  return startStop(t, c);
}
