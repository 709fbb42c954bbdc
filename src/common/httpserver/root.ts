// SPDX-License-Identifier: AGPL-3.0-only
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Component } from '../daemon/root.ts';
import { AkvoradoError } from '../errors.ts';
import { parseListen } from '../config/formats.ts';
import type { Reporter } from '../reporter/root.ts';
import { versionInfo } from '../version.ts';
import type { Configuration } from './config.ts';

// QuietLogController logs failed requests only: a line per request would
// drown the flow logs (requests are counted in metrics instead).
class QuietLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(...args: Parameters<LogController['requestCompleted']>): void {
    const [error, , reply] = args;
    if (error) reply.log.error({ err: error, url: reply.request.url }, 'request failed');
  }

  override routeNotFound(): void {}
}

/**
 * HTTPServer is the one HTTP server of a service. It serves
 * /api/v0/<service>/{metrics,healthcheck,version}; components add their
 * routes as fastify plugins through `app` before start().
 */
export class HTTPServer implements Component {
  private readonly r: Reporter;
  private readonly config: Configuration;
  /** app is the fastify instance; register plugins before start(). */
  readonly app: FastifyInstance;
  /** address is the bound address once started (useful with port 0). */
  address: { host: string; port: number } | null;
  private stopped: boolean;

  constructor(r: Reporter, config: Configuration, service: string) {
    this.r = r.child('http');
    this.config = config;
    this.address = null;
    this.stopped = false;
    this.app = Fastify({
      loggerInstance: this.r.logger as FastifyBaseLogger,
      logController: new QuietLogController(),
    }) as unknown as FastifyInstance;
    this.instrument();
    const base = `/api/v0/${service}`;
    const root = r;
    this.app.get(`${base}/metrics`, async (_req, reply) => {
      reply.header('content-type', root.metricsContentType);
      return root.metricsText();
    });
    this.app.get(`${base}/healthcheck`, async (_req, reply) => {
      const report = await root.runHealthchecks();
      reply.code(report.status === 'error' ? 503 : 200);
      return report;
    });
    this.app.get(`${base}/version`, async () => versionInfo());
  }

  private instrument(): void {
    const requests = this.r.metrics.counter({
      name: 'requests_total',
      help: 'HTTP requests answered',
      labelNames: ['route', 'method', 'code'],
    });
    const duration = this.r.metrics.histogram({
      name: 'request_duration_seconds',
      help: 'Time to answer HTTP requests',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 5],
    });
    this.app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unknown';
      requests.labels(route, req.method, String(reply.statusCode)).inc();
      duration.labels(route).observe(reply.elapsedTime / 1000);
    });
  }

  async start(): Promise<void> {
    if (this.stopped) throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'http: server already stopped');
    const l = parseListen(this.config.listen)!;
    try {
      await this.app.listen({ host: l.host === '' ? '::' : l.host, port: l.port });
    } catch (cause) {
      throw new AkvoradoError('AKV_COMPONENT_START', `http: cannot listen on ${this.config.listen}: ${(cause as Error).message}`, {
        cause,
      });
    }
    const a = this.app.server.address();
    if (a !== null && typeof a === 'object') this.address = { host: a.address, port: a.port };
    this.r.logger.info({ listen: this.address }, 'HTTP server listening');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.app.close();
  }
}
