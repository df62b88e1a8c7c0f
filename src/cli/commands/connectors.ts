import type { Command } from 'commander';
import { builtinRegistry } from '../../../connectors/index.js';
import type { CliIO } from '../io.js';
import { printJson, printTable } from '../output.js';

export function registerConnectors(program: Command, io: CliIO): void {
  const connectors = program.command('connectors').description('the connector types this gateway knows');
  connectors
    .command('list')
    .description('list the built-in connectors, their auth methods and tools')
    .option('--json', 'print {object:"list", data} as JSON')
    .action((opts: { json?: boolean }) => {
      // The registry needs no data file or key: this works before anything is set up.
      const registry = builtinRegistry();
      const data = registry.list().map((d) => registry.toObject(d));
      if (opts.json) {
        printJson(io, { object: 'list', data, has_more: false });
        return;
      }
      printTable(
        io,
        ['ID', 'NAME', 'AUTH', 'TOOLS'],
        data.map((c) => [c.id, c.name, c.auth_methods.join(','), c.tools.length > 0 ? String(c.tools.length) : 'discovered']),
      );
    });
}
