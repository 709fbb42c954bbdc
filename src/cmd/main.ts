// SPDX-License-Identifier: AGPL-3.0-only
import yargs, { type Argv } from 'yargs';
import { dumpConfiguration, loadConfiguration } from '../common/config/root.ts';
import { AkvoradoError } from '../common/errors.ts';
import type { ServiceDefinition } from '../common/service.ts';
import { versionInfo } from '../common/version.ts';
import { SERVICE_DEFINITIONS } from './services.ts';
import { COLUMNS } from '../common/schema/definition.ts';

// describeColumns lists the flow schema for `version -d`.
function describeColumns(): string {
  const width = Math.max(...COLUMNS.map((c) => c.name.length));
  const lines = ['', 'Flow schema columns (enable with schema.enabled, disable with schema.disabled):'];
  for (const c of COLUMNS) {
    const state = c.required ? 'required' : c.disabled ? 'disabled' : 'enabled';
    const notes = [c.mainOnly ? 'main table only' : '', c.alias !== undefined ? 'computed by ClickHouse' : ''].filter((x) => x !== '');
    lines.push(`  ${c.name.padEnd(width)}  ${state.padEnd(8)}  ${c.type.length > 40 ? c.type.slice(0, 37) + '...' : c.type}${notes.length ? `  (${notes.join(', ')})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** EXIT_UNAVAILABLE is the exit code of a service this version does not provide yet. */
export const EXIT_UNAVAILABLE = 2;

interface ServiceArgs {
  config?: string | undefined;
  check: boolean;
  dump: boolean;
}

// runService validates the service's configuration, then checks, dumps or runs it.
async function runService(def: ServiceDefinition, args: ServiceArgs): Promise<number> {
  const loaded = loadConfiguration(def.name, def.schema, { file: args.config });
  if (args.dump) {
    process.stdout.write(dumpConfiguration(def.name, loaded.effective));
    return 0;
  }
  if (args.check) return 0;
  if (def.run === undefined) {
    throw new AkvoradoError(
      'AKV_SERVICE_UNAVAILABLE',
      `${def.name}: this service is not available yet in version ${versionInfo().version}; ` +
        'its configuration is valid (--check and --dump work)',
    );
  }
  return def.run(loaded.config, args as unknown as Record<string, unknown>);
}

function serviceOptions(y: Argv) {
  return y
    .option('config', { alias: 'c', type: 'string', describe: 'YAML configuration file (sections per service)' })
    .option('check', { type: 'boolean', default: false, describe: 'Validate the configuration and exit' })
    .option('dump', { type: 'boolean', default: false, describe: 'Print the effective configuration and exit' });
}

/** main parses the command line and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  let parser = yargs(argv)
    .scriptName('akvorado')
    .strict()
    .demandCommand(1, 'a command is needed')
    .help()
    .alias('help', 'h')
    .version(false)
    .command(
      'version',
      'Print version, commit, build date and Node.js version',
      (y) => y.option('d', { type: 'boolean', default: false, describe: 'Also list the flow schema columns' }),
      (args) => {
        const v = versionInfo();
        process.stdout.write(
          `akvorado ${v.version}\n  commit: ${v.commit}\n  built: ${v.buildDate}\n  node: ${v.node}\n`,
        );
        if (args.d) process.stdout.write(describeColumns());
      },
    );
  for (const def of SERVICE_DEFINITIONS) {
    const builder = (y: Argv) => serviceOptions(y).options(def.options ?? {});
    parser = parser.command(def.name, def.description, builder, async (args) => {
      code = await runService(def, args as unknown as ServiceArgs);
    });
  }
  try {
    await parser.fail((msg, err) => {
      throw err ?? new UsageError(msg);
    }).parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`akvorado: ${err.message}\nRun "akvorado --help" for usage.\n`);
      return 64;
    }
    if (err instanceof AkvoradoError) {
      process.stderr.write(`akvorado: ${err.message}\n`);
      return err.code === 'AKV_SERVICE_UNAVAILABLE' ? EXIT_UNAVAILABLE : 1;
    }
    throw err;
  }
  return code;
}

class UsageError extends Error {}
