// SPDX-License-Identifier: AGPL-3.0-only
// Errors of the console API and how they become HTTP answers:
// `{code, message, errors?}` with a 4xx status for the caller's mistakes.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AkvoradoError } from '../common/errors.ts';
import { FilterError } from './filter/root.ts';

/** InputProblem is one problem of a request, with the JSON pointer of the field. */
export interface InputProblem {
  path: string;
  message: string;
}

/** InputError is a malformed request (code AKV_CONSOLE_INPUT, HTTP 400). */
export class InputError extends AkvoradoError {
  /** problems lists what is wrong, field by field. */
  readonly problems: InputProblem[];

  constructor(message: string, path: string) {
    super('AKV_CONSOLE_INPUT', message);
    this.name = 'InputError';
    this.problems = [{ path, message }];
  }

  /** toJSON adds the problems to the code and message. */
  override toJSON(): { code: 'AKV_CONSOLE_INPUT'; message: string; errors: InputProblem[] } {
    return { code: 'AKV_CONSOLE_INPUT', message: this.message, errors: this.problems };
  }
}

/** STATUS maps console error codes to HTTP statuses. */
const STATUS: Readonly<Record<string, number>> = {
  AKV_CONSOLE_INPUT: 400,
  AKV_CONSOLE_FILTER: 400,
  AKV_CONSOLE_AUTH: 401,
  AKV_CONSOLE_NOT_FOUND: 404,
  AKV_CONSOLE_QUERY: 502,
};

/**
 * errorHandler answers every error of the console routes as
 * `{code, message, errors?}`: fastify's validation errors become
 * AKV_CONSOLE_INPUT with one entry per failing field, coded errors keep
 * their code, anything else is logged and answered as a 500.
 */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const fe = err as FastifyError;
  if (Array.isArray(fe.validation)) {
    const errors = fe.validation.map((v) => ({
      path: v.instancePath === '' && typeof v.params['missingProperty'] === 'string' ? `/${v.params['missingProperty']}` : v.instancePath || '/',
      message: v.message ?? 'invalid',
    }));
    const where = fe.validationContext ?? 'body';
    void reply.code(400).send({ code: 'AKV_CONSOLE_INPUT', message: `invalid ${where}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors });
    return;
  }
  if (err instanceof FilterError || err instanceof AkvoradoError) {
    const status = STATUS[err.code] ?? 500;
    if (status >= 500) req.log.error({ err }, 'console request failed');
    void reply.code(status).send(err.toJSON());
    return;
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own refusals: unparsable JSON, wrong content type, body too large.
    void reply.code(fe.statusCode).send({ code: 'AKV_CONSOLE_INPUT', message: err.message });
    return;
  }
  req.log.error({ err }, 'console request failed');
  void reply.code(500).send({ code: 'AKV_CONSOLE_INTERNAL', message: err.message });
}

/** notFound answers unknown console routes with AKV_CONSOLE_NOT_FOUND. */
export function notFound(req: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send({ code: 'AKV_CONSOLE_NOT_FOUND', message: `no route ${req.method} ${req.url}` });
}
