import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/everything.js';
import { startUpstream } from '../fakes/mcp-upstream.js';
import { cliHarness, type CliHarness } from '../cli/harness.js';

/**
 * issue 13 §1: the remedies doctor prints work as printed. For each situation that makes doctor
 * print a command (`run: …`), the test brings the situation about, takes the command from doctor's
 * own output, runs it verbatim, and runs doctor again: the check it was printed for is now OK.
 */
let upstream: Awaited<ReturnType<typeof startUpstream>>;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => upstream.close());

let h: CliHarness;
beforeEach(async () => {
  h = await cliHarness();
});
afterEach(async () => h.close());

interface Line {
  status: string;
  name: string;
  message: string;
  text: string;
}

/** doctor's human output, one entry per check line. */
function lines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .map((text) => /^(OK|WARN|FAIL)\s+([^:]+): (.*)$/.exec(text))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ status: m[1]!, name: m[2]!, message: m[3]!, text: m[0] }));
}

/** Every command a line tells the reader to run, in order: `run: <command>` up to `;`, `)`, ` (` or the end. */
function printedCommands(message: string): string[] {
  return [...message.matchAll(/run: (.+?)(?=;|\)| \(|$)/g)].map((m) => m[1]!.trim());
}

/** Runs a printed command exactly as a user would paste it (no quoting is ever needed in them). */
async function runPrinted(command: string, env: NodeJS.ProcessEnv): Promise<void> {
  const [bin, ...args] = command.split(' ');
  if (bin === 'connector-gateway') {
    const r = await h.run(args, { env });
    expect(r.code, `${command}\n${r.stdout}${r.stderr}`).toBe(0);
    return;
  }
  expect(bin, command).toBe('chmod');
  await promisify(execFile)(bin!, args, { env: { PATH: process.env.PATH ?? '' } });
}

async function doctor(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; lines: Line[]; stdout: string }> {
  const r = await h.run(['doctor', ...args], { env: { CONNECTOR_GATEWAY_LOG_LEVEL: 'silent', ...env } });
  return { code: r.code, lines: lines(r.stdout), stdout: r.stdout };
}

async function createCustom(name: string, endpoint: string, flags: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await h.run(['configs', 'create', '--connector', 'pc_custom_mcp', '--name', name, '--config', JSON.stringify({ endpoint }), ...flags, '--json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

/** The one line matching `pick` before and after running its first printed command. */
async function fixWithPrinted(opts: { args?: string[]; env?: NodeJS.ProcessEnv; pick: (l: Line) => boolean; expectCommand: RegExp }): Promise<{ before: Line; after: Line[]; code: number }> {
  const args = opts.args ?? [];
  const env = opts.env ?? {};
  const first = await doctor(args, env);
  const before = first.lines.find((l) => l.status !== 'OK' && opts.pick(l));
  expect(before, first.stdout).toBeDefined();
  const [command] = printedCommands(before!.message);
  expect(command, before!.text).toMatch(opts.expectCommand);
  await runPrinted(command!, env);
  const second = await doctor(args, env);
  return { before: before!, after: second.lines.filter(opts.pick), code: second.code };
}

describe('every command doctor prints fixes what it was printed for', () => {
  it('loose permissions: run: chmod 600 <file>', async () => {
    await createCustom('Fine', upstream.url);
    await chmod(h.dataFile, 0o644);
    const r = await fixWithPrinted({ args: ['--skip-health'], pick: (l) => l.name === 'permissions' && l.message.startsWith(`data file ${h.dataFile} `), expectCommand: /^chmod 600 / });
    expect(r.before.status).toBe('WARN');
    expect(r.after).toEqual([expect.objectContaining({ status: 'OK' })]);
  });

  it('a configuration the network settings refuse: run: connector-gateway settings set allow_loopback true', async () => {
    const id = await createCustom('Local echo', upstream.url);
    expect((await h.run(['settings', 'set', 'allow_loopback', 'false'])).code).toBe(0);
    const r = await fixWithPrinted({ pick: (l) => l.name === `configuration ${id}`, expectCommand: /^connector-gateway settings set allow_loopback true$/ });
    expect(r.before.status).toBe('FAIL');
    expect(r.before.message).toMatch(/loopback address, which is not allowed/);
    expect(r.after).toEqual([expect.objectContaining({ status: 'OK', message: 'Local echo (pc_custom_mcp) is healthy' })]);
    expect(r.code).toBe(0);
  });

  it('an override that differs from the stored setting: run: connector-gateway settings set allow_private true', async () => {
    await createCustom('Fine', upstream.url);
    const env = { CONNECTOR_GATEWAY_ALLOW_PRIVATE: '1' };
    const r = await fixWithPrinted({ args: ['--skip-health'], env, pick: (l) => l.name === 'network' && l.message.startsWith('allow_private '), expectCommand: /^connector-gateway settings set allow_private true$/ });
    expect(r.before).toMatchObject({ status: 'WARN' });
    expect(r.before.message).toContain('because CONNECTOR_GATEWAY_ALLOW_PRIVATE overrides it, but the shared setting is false');
    expect(r.after).toEqual([expect.objectContaining({ status: 'OK', message: expect.stringMatching(/^allow_private is true \(set by CONNECTOR_GATEWAY_ALLOW_PRIVATE, the same as the stored value\)/) })]);
  });

  it('an unhealthy configuration: the printed --disable command, with --data naming the file doctor checked', async () => {
    // Doctor runs on --data while the environment points elsewhere: the printed command must carry --data.
    const elsewhere = { CONNECTOR_GATEWAY_DATA: join(h.dir, 'elsewhere.json') };
    const port = await freePort();
    const id = await createCustom('Gone away', `http://127.0.0.1:${port}/mcp`, ['--data', h.dataFile], elsewhere);
    const first = await doctor(['--data', h.dataFile], elsewhere);
    const failed = first.lines.find((l) => l.name === `configuration ${id}`);
    expect(failed?.status, first.stdout).toBe('FAIL');
    const commands = printedCommands(failed!.message);
    expect(commands).toEqual([`connector-gateway configs update ${id} --org org_local --user usr_local --data ${h.dataFile} --disable`]);
    await runPrinted(commands[0]!, elsewhere);
    const second = await doctor(['--data', h.dataFile], elsewhere);
    expect(second.code, second.stdout).toBe(0);
    expect(second.lines.find((l) => l.name === 'health')).toMatchObject({ status: 'OK', message: 'no enabled configurations to check' });
  });

  it('no key yet: run: connector-gateway keyring init --data <file>', async () => {
    const file = join(h.dir, 'fresh', 'data.json');
    const env = { CONNECTOR_GATEWAY_KEY: '', CONNECTOR_GATEWAY_DATA: join(h.dir, 'elsewhere.json') };
    const r = await fixWithPrinted({ args: ['--data', file], env, pick: (l) => l.name === 'key', expectCommand: new RegExp(`^connector-gateway keyring init --data ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
    expect(r.before.status).toBe('WARN');
    expect(r.after).toEqual([expect.objectContaining({ status: 'OK', message: expect.stringContaining(`from key file ${file}.key`) })]);
  });

  it('prints no other command than these (a new remedy needs a case here)', async () => {
    // Every situation above at once, plus the ones without a command; collect every `run:` doctor prints.
    await createCustom('Fine', upstream.url);
    const port = await freePort();
    await createCustom('Gone away', `http://127.0.0.1:${port}/mcp`);
    await chmod(h.dataFile, 0o644);
    const out = await doctor([], { CONNECTOR_GATEWAY_ALLOW_PRIVATE: '1' });
    const kinds = new Set(out.lines.flatMap((l) => printedCommands(l.message)).map((c) => c.split(' ').slice(0, 3).join(' ')));
    for (const k of kinds) expect(['chmod 600 ' + h.dataFile, 'connector-gateway settings set', 'connector-gateway configs update', 'connector-gateway keyring init']).toContain(k);
  });
});
