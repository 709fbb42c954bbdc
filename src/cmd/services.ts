// SPDX-License-Identifier: AGPL-3.0-only
import { service as configure } from '../configure/config.ts';
import { service as console } from '../console/config.ts';
import { service as demoExporter } from '../demoexporter/config.ts';
import { service as inlet } from '../inlet/config.ts';
import type { ServiceDefinition } from '../common/service.ts';
import { service as standalone } from '../standalone/config.ts';

/** SERVICE_DEFINITIONS lists every service command, in the order of `--help`. */
export const SERVICE_DEFINITIONS: readonly ServiceDefinition[] = [inlet, configure, console, standalone, demoExporter];
