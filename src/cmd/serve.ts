// SPDX-License-Identifier: AGPL-3.0-only
import type { ServiceName } from '../common/config/root.ts';
import { Daemon } from '../common/daemon/root.ts';
import { HTTPServer } from '../common/httpserver/root.ts';
import { newReporter, type Reporter } from '../common/reporter/root.ts';
import type { BaseConfiguration } from '../common/service.ts';
import { versionInfo } from '../common/version.ts';
import { runComponents, type NamedComponent } from './components.ts';

/** ServiceContext is what a service's wiring function receives. */
export interface ServiceContext {
  r: Reporter;
  daemon: Daemon;
  http: HTTPServer;
}

/**
 * serve runs a long-running service: it builds the reporter, daemon and HTTP
 * server from the base configuration, lets `wire` build the service's
 * components (inert constructors only), then starts everything in order and
 * stops it in reverse on SIGTERM/SIGINT or when a component dies. The HTTP
 * server starts last and stops first. Returns the exit code.
 */
export async function serve(
  service: ServiceName,
  config: BaseConfiguration,
  wire: (ctx: ServiceContext) => NamedComponent[],
): Promise<number> {
  const r = newReporter(config.reporting);
  const daemon = new Daemon(r, () => {
    void r.flush().finally(() => process.exit(1));
  });
  const http = new HTTPServer(r, config.http, service);
  const components = wire({ r, daemon, http });
  r.logger.info({ service, ...versionInfo(), nodeFlags: process.execArgv }, 'akvorado starting');
  const code = await runComponents(r, daemon, [...components, ['http', http]], config.daemon.stopTimeout);
  await r.flush();
  return code;
}
