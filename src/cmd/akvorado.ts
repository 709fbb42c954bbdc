// SPDX-License-Identifier: AGPL-3.0-only
// Entry point of the executable (and of the bundle). It exits explicitly:
// after a stop deadline passed, leftover handles must not keep it alive.
import { hideBin } from 'yargs/helpers';
import { main } from './main.ts';

process.exit(await main(hideBin(process.argv)));
