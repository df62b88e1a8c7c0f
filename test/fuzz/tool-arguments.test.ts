import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { githubConnector, GithubConfigSchema } from '../../connectors/github/index.js';
import { clickupConnector } from '../../connectors/clickup/index.js';
import { jiraConnector, JiraConfigSchema } from '../../connectors/jira/index.js';
import { teamsConnector, TeamsConfigSchema } from '../../connectors/teams/index.js';
import type { ConnectorDefinition, ConnectorSession } from '../../src/domain/connector.js';
import type { Credentials } from '../../src/domain/credentials.js';
import { UpstreamError } from '../../src/domain/errors.js';
import { silentLogger } from '../../src/domain/logger.js';
import { createHttpClientFactory, type ClosableHttpClientFactory } from '../../src/http/factory.js';
import { FAKE_GITHUB_TOKEN, startFakeGithub } from '../fakes/github.js';
import { FAKE_PERSONAL_TOKEN, startFakeClickup } from '../fakes/clickup.js';
import { startFakeJira } from '../fakes/jira.js';
import { startFakeTeams } from '../fakes/teams.js';
import { staticCredentials } from '../helpers/credentials.js';
import { PATIENCE_MS } from '../helpers/timing.js';

/**
 * Tool arguments for every built-in tool, through a real connector session against its loopback
 * fake: callTool never throws anything but a typed UpstreamError (the service said no), and a call
 * refused locally (no request sent) is an isError result that names the field.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const TIMEOUT = 30_000 + RUNS * 60;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Target {
  id: string;
  session: ConnectorSession;
  tools: Tool[];
  requests: () => number;
  close: () => Promise<void>;
}

let http: ClosableHttpClientFactory;
const targets: Target[] = [];
const stats = { calls: 0, ok: 0, refusedLocally: 0, upstreamRefused: 0 };

async function openSession<C>(def: ConnectorDefinition<C>, config: C, credentials: Credentials): Promise<ConnectorSession> {
  return def.open({
    configurationId: 'pconf_fuzz1',
    configurationName: 'Fuzz',
    config,
    credentials: staticCredentials(credentials),
    http,
    network: { allowLoopback: true, allowPrivate: false },
    signal: new AbortController().signal,
    log: silentLogger,
  });
}

beforeAll(async () => {
  http = createHttpClientFactory({ retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  const signal = new AbortController().signal;
  const add = async (id: string, session: ConnectorSession, requests: () => number, close: () => Promise<void>) => {
    targets.push({ id, session, tools: await session.listTools(signal), requests, close });
  };

  const gh = await startFakeGithub();
  await add(
    'github',
    await openSession(githubConnector, GithubConfigSchema.parse({ api_base_url: gh.url, repository: 'acme/backend', branch: 'main', paths: ['src/', 'docs/'] }), { type: 'api_key', api_key: FAKE_GITHUB_TOKEN }),
    () => gh.requests.length,
    () => gh.close(),
  );
  const cu = await startFakeClickup();
  await add('clickup', await openSession(clickupConnector, { api_base_url: cu.url, workspace_id: '12345', list_id: '67890', default_priority: 3 }, { type: 'api_key', api_key: FAKE_PERSONAL_TOKEN }), () => cu.requests.length, () => cu.close());
  const jira = await startFakeJira();
  await add(
    'jira',
    await openSession(jiraConnector, JiraConfigSchema.parse({ site_url: 'https://acme.atlassian.net', email: 'ada@example.com', api_base_url: jira.url, project_key: 'PROJ' }), { type: 'api_key', api_key: 'jira-api-token-123' }),
    () => jira.requests.length,
    () => jira.close(),
  );
  const teams = await startFakeTeams();
  await add(
    'teams',
    await openSession(teamsConnector, TeamsConfigSchema.parse({ api_base_url: teams.url, team_id: 'team-abc123', channel_id: 'channel-xyz789' }), { type: 'bearer', token: teams.token }),
    () => teams.requests.length,
    () => teams.close(),
  );
});

afterAll(async () => {
  for (const t of targets) {
    await t.session.close().catch(() => {});
    await t.close();
  }
  await http?.close();
  console.info(`[fuzz tools] ${JSON.stringify(stats)}`);
});

interface PropSchema {
  type?: string | string[];
  enum?: Json[];
  items?: PropSchema;
  properties?: Record<string, PropSchema>;
}

/** Values that fit the property's declared type, from the shapes the fakes know. */
function plausible(p: PropSchema): fc.Arbitrary<Json> {
  if (p.enum && p.enum.length > 0) return fc.constantFrom(...p.enum);
  const type = Array.isArray(p.type) ? p.type[0] : p.type;
  switch (type) {
    case 'string':
      return fc.constantFrom('acme', 'backend', 'acme/backend', 'main', 'src/index.ts', 'docs/', 'PROJ', 'PROJ-1', '67890', '12345', 'team-abc123', 'channel-xyz789', 'hello', 'open', 'ada@example.com', '1');
    case 'integer':
    case 'number':
      return fc.integer({ min: -2, max: 120 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(p.items ? plausible(p.items) : fc.string(), { maxLength: 3 });
    case 'object':
      return fc.dictionary(fc.constantFrom('a', 'b', 'name'), fc.string({ maxLength: 5 }), { maxKeys: 2 });
    default:
      return fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>;
  }
}

const nasty: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom<Json>('', '..', '../../etc/passwd', '/src/../../x', 'a b', '\u0000', '\ud800', -1, 1e20, 0.5, NaN as unknown as Json, 'x'.repeat(70_000), [], {}, null),
);

function argsFor(tool: Tool): fc.Arbitrary<Record<string, Json>> {
  const props = (tool.inputSchema.properties ?? {}) as Record<string, PropSchema>;
  const entries = Object.entries(props).map(([k, p]) => [k, fc.option(fc.oneof({ weight: 3, arbitrary: plausible(p) }, { weight: 1, arbitrary: nasty }), { nil: undefined })] as const);
  const known = fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<Json | undefined>>);
  const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), nasty, { maxKeys: 2 });
  return fc.tuple(known, fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extra })).map(([k, e]) => {
    const out: Record<string, Json> = {};
    for (const [key, v] of Object.entries({ ...k, ...e })) if (v !== undefined) out[key] = v;
    return out;
  });
}

function textOf(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

const callArb = fc.integer({ min: 0, max: 1_000_000 }).chain((i) => {
  const all = targets.flatMap((t) => t.tools.map((tool) => ({ t, tool })));
  const pick = all[i % all.length]!;
  return fc.oneof({ weight: 5, arbitrary: argsFor(pick.tool) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), nasty, { maxKeys: 4 }) }).map((args) => ({ ...pick, args }));
});

describe('fuzz: built-in tool arguments', () => {
  it('never throws an untyped error; local refusals are isError results that name the field', async () => {
    await fc.assert(
      fc.asyncProperty(callArb, async ({ t, tool, args }) => {
        const before = t.requests();
        let result: CallToolResult;
        stats.calls++;
        try {
          result = await t.session.callTool(tool.name, args, { signal: AbortSignal.timeout(PATIENCE_MS) });
        } catch (e) {
          // The contract: service failures throw UpstreamError (the gateway turns them into isError).
          expect(e, `${t.id}/${tool.name} ${JSON.stringify(args).slice(0, 200)}: ${String(e)}`).toBeInstanceOf(UpstreamError);
          stats.upstreamRefused++;
          return;
        }
        expect(Array.isArray(result.content)).toBe(true);
        if (!result.isError) {
          stats.ok++;
          return;
        }
        const text = textOf(result);
        expect(text.length).toBeGreaterThan(0);
        const schemaOk = z.fromJSONSchema(tool.inputSchema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(args).success;
        if (t.requests() === before && !schemaOk) {
          stats.refusedLocally++;
          // Arguments outside the published schema: the message names a field of the call.
          const fields = [...Object.keys(args), ...Object.keys(tool.inputSchema.properties ?? {}), ...((tool.inputSchema.required as string[] | undefined) ?? [])];
          expect(fields.some((f) => text.includes(f === '' ? '""' : f)), `${t.id}/${tool.name} ${JSON.stringify(args).slice(0, 200)} → ${text}`).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  }, TIMEOUT);

  it('regressions found by this fuzzer stay fixed: lone surrogates in ids and paths', async () => {
    // encodeURIComponent throws URIError on a lone surrogate: these used to escape as untyped errors.
    const cases: [string, string, Record<string, Json>, string][] = [
      ['teams', 'send_chat_message', { chat_id: '\ud800', content: 'hi' }, 'chat_id'],
      ['teams', 'get_message_replies', { message_id: 'a\udc00' }, 'message_id'],
      ['github', 'get_file_contents', { path: 'src/\ud800.ts' }, 'path'],
    ];
    for (const [id, name, args, field] of cases) {
      const t = targets.find((x) => x.id === id)!;
      const before = t.requests();
      const r = await t.session.callTool(name, args, { signal: AbortSignal.timeout(PATIENCE_MS) });
      expect(r.isError, `${id}/${name}`).toBe(true);
      expect(textOf(r)).toContain(field);
      expect(t.requests()).toBe(before);
    }
  });

  it('every tool refuses a wrong type for each of its properties without a request, naming it', async () => {
    for (const t of targets) {
      for (const tool of t.tools) {
        for (const [prop, p] of Object.entries((tool.inputSchema.properties ?? {}) as Record<string, PropSchema>)) {
          const wrong: Json = p.type === 'object' || p.type === 'array' ? 42 : { not: 'this' };
          const before = t.requests();
          const r = await t.session.callTool(tool.name, { [prop]: wrong }, { signal: AbortSignal.timeout(PATIENCE_MS) });
          expect(r.isError, `${t.id}/${tool.name}.${prop}`).toBe(true);
          expect(t.requests(), `${t.id}/${tool.name}.${prop} sent a request`).toBe(before);
          expect(textOf(r), `${t.id}/${tool.name}.${prop}`).toContain(prop);
        }
      }
    }
  });
});
