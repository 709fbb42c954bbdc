// SPDX-License-Identifier: AGPL-3.0-only
// Users come from the authenticating reverse proxy in front of the console:
// it sets headers with the login, name and email. Without a login header,
// the configured default user applies (or the request is refused).
import type { FastifyRequest } from 'fastify';
import { AkvoradoError } from '../common/errors.ts';
import type { ConsoleConfiguration } from './config.ts';

/** UserInfo is who makes a request. */
export interface UserInfo {
  login: string;
  name?: string;
  email?: string;
  logoutUrl?: string;
}

// header reads one header as a trimmed string (the first one if repeated).
function header(req: FastifyRequest, name: string): string {
  if (name === '') return '';
  const v = req.headers[name.toLowerCase()];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
}

/**
 * userOf returns the user of a request: the login header and its
 * companions, or the default user. It throws AKV_CONSOLE_AUTH when neither
 * gives a login.
 */
export function userOf(config: ConsoleConfiguration['auth'], req: FastifyRequest): UserInfo {
  const login = header(req, config.headers.login);
  const logoutUrl = header(req, config.headers.logoutUrl);
  const user: UserInfo =
    login !== ''
      ? { login, name: header(req, config.headers.name), email: header(req, config.headers.email) }
      : { login: config.defaultUser.login, name: config.defaultUser.name, email: config.defaultUser.email };
  if (user.login === '') throw new AkvoradoError('AKV_CONSOLE_AUTH', `no user: header ${config.headers.login} is missing and there is no default user`);
  if (user.name === '') delete user.name;
  if (user.email === '') delete user.email;
  if (logoutUrl !== '') user.logoutUrl = logoutUrl;
  return user;
}
