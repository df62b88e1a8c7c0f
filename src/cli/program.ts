import { Command, CommanderError } from 'commander';
import type { CliIO } from './io.js';
import { errorJson, errorLine, exitCodeOf, ExitCode } from './errors.js';
import { printJson } from './output.js';
import { registerConnectors } from './commands/connectors.js';
import { registerConfigs } from './commands/configs.js';
import { registerConnect } from './commands/connect.js';
import { registerKeys } from './commands/keys.js';
import { registerKeyring } from './commands/keyring.js';
import { registerDoctor } from './commands/doctor.js';
import { registerServe } from './commands/serve.js';
import { registerAudit } from './commands/audit.js';
import { registerDatabase } from './commands/database.js';
import { registerInstall } from './commands/install.js';
import { registerUi } from './commands/ui.js';
import { registerSettings } from './commands/settings.js';
import { LOG_LEVEL_ENV, LOG_LEVELS, parseLogLevel } from '../app/logger.js';
import { VERSION } from '../domain/version.js';

export interface Shutdown {
  onShutdown(fn: () => void): void;
}

export function buildProgram(outer: CliIO, shutdown: Shutdown): Command {
  // Commands read the log level from io.env; a private copy lets --log-level set it for this run only.
  const io: CliIO = { ...outer, env: { ...outer.env } };
  const program = new Command('connector-gateway')
    .description('An MCP server that turns personal connector configurations into tools, with credentials sealed at rest.')
    .showSuggestionAfterError(true)
    // Errors are printed once, by runCli, as one line; commander must not exit the process itself.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: () => {},
    })
    .version(VERSION, '--version', 'print the version and exit')
    .option('--log-level <level>', `log level on stderr: ${LOG_LEVELS.join(', ')} (env ${LOG_LEVEL_ENV})`)
    .hook('preAction', (cmd) => {
      const level = cmd.opts<{ logLevel?: string }>().logLevel;
      if (level !== undefined) io.env[LOG_LEVEL_ENV] = parseLogLevel(level, '--log-level');
    });
  registerServe(program, io, shutdown);
  registerConnectors(program, io);
  registerConfigs(program, io);
  // `configs connect` lives in its own file; it hangs under the `configs` group registered above.
  const configs = program.commands.find((c) => c.name() === 'configs');
  if (configs) registerConnect(configs, io);
  registerKeys(program, io);
  registerKeyring(program, io);
  registerDoctor(program, io);
  registerAudit(program, io);
  registerDatabase(program, io);
  registerInstall(program, io);
  registerUi(program, io);
  registerSettings(program, io);
  return program;
}

/** Runs one command line and returns the exit code. Never throws, never prints a stack. */
export async function runCli(argv: readonly string[], io: CliIO, shutdown: Shutdown = { onShutdown() {} }): Promise<number> {
  const program = buildProgram(io, shutdown);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof ExitCode) return e.code;
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      io.stderr.write(`${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
      if (argv.includes('--json')) printJson(io, errorJson(e));
      return exitCodeOf(e);
    }
    io.stderr.write(errorLine(e) + '\n');
    // --json: the error is the result, one JSON object on stdout (the human line stays on stderr).
    if (argv.includes('--json')) printJson(io, errorJson(e));
    return exitCodeOf(e);
  }
}
