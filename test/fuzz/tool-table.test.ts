import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Tool } from '@modelcontextprotocol/server';
import { buildToolTable, ROUTE_META_KEY } from '../../src/gateway/tool-table.js';
import { ConfigurationLink } from '../../src/gateway/configuration-link.js';
import { HealthWriter } from '../../src/gateway/health.js';
import { isValidToolName } from '../../src/gateway/naming.js';
import type { GatewayDeps } from '../../src/gateway/types.js';
import type { ConfigurationRecord } from '../../src/domain/configuration.js';
import { silentLogger } from '../../src/domain/logger.js';
import { MemoryStore } from '../../src/store/memory.js';
import { createHttpClientFactory } from '../../src/http/factory.js';
import { builtinRegistry } from '../../connectors/index.js';
import { TestCredentials } from '../helpers/records.js';

/**
 * Tool names through `buildToolTable` for arbitrary configuration names and upstream tool names
 * (unicode, punctuation, duplicates, 1-200 characters): always valid, unique, routed to the right
 * upstream tool, independent of input order, and unchanged when a newer configuration appears.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

const store = new MemoryStore();
const http = createHttpClientFactory();
const registry = builtinRegistry();
const deps: GatewayDeps = {
  store,
  registry,
  credentials: new TestCredentials(),
  http,
  network: { allowLoopback: true, allowPrivate: false },
  limits: { discoveryTimeoutMs: 1000, callTimeoutMs: 1000 },
  log: silentLogger,
};
const health = new HealthWriter(store, silentLogger);
const connectorName = (id: string) => registry.get(id)?.name ?? id;

afterAll(async () => {
  await http.close();
  await store.close();
});

interface Spec {
  name: string;
  connector: string;
  second: number;
  tools: string[];
}

const nameArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 100 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 }),
  fc.constantFrom('GitHub', 'github', 'GITHUB', 'git hub', 'Git_Hub', '!!!', '___', 'é', 'e\u0301', '日本語', 'a'.repeat(100), 'config', 'config_1'),
);
const toolArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 200 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 70 }),
  fc.constantFrom('get_me', 'get-me', 'get.me', 'get me', 'get_me_', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(200), 'échelle', '_', '-'),
);
const specArb: fc.Arbitrary<Spec> = fc.record({
  name: nameArb,
  connector: fc.constantFrom('pc_github', 'pc_clickup', 'pc_jira', 'pc_teams', 'pc_custom_mcp'),
  // Few distinct seconds: equal creation times exercise the id tie-break.
  second: fc.integer({ min: 0, max: 5 }),
  // Duplicates on purpose: a sloppy upstream may list one name twice.
  tools: fc.array(toolArb, { minLength: 0, maxLength: 6 }).chain((ts) => fc.subarray(ts).map((dups) => [...ts, ...dups])),
});

let seq = 0;
function linkOf(s: Spec): { link: ConfigurationLink; tools: Tool[] } {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, s.second)).toISOString();
  const record: ConfigurationRecord = {
    id: `pconf_${(++seq).toString(36).padStart(8, '0')}`,
    object: 'personal_connector.configuration',
    organization_id: 'org_fuzz',
    user_id: 'usr_fuzz',
    personal_connector_id: s.connector,
    name: s.name,
    configuration: {},
    enabled: true,
    health_status: 'unknown',
    metadata: {},
    created_at: at,
    updated_at: at,
    version: 1,
    revision: 1,
  };
  const tools: Tool[] = s.tools.map((name) => ({ name, inputSchema: { type: 'object' } }));
  return { link: new ConfigurationLink(record, deps, health), tools };
}

function table(entries: { link: ConfigurationLink; tools: Tool[] }[]) {
  return buildToolTable(
    entries.map((e) => e.link),
    new Map(entries.map((e) => [e.link.id, e.tools])),
    connectorName,
  );
}

describe('fuzz: tool table naming', () => {
  it('names are valid, unique, routed correctly and independent of input order', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 8 }), fc.infiniteStream(fc.nat()), (specs, shuffle) => {
        const entries = specs.map(linkOf);
        const t = table(entries);
        const names = t.tools.map((x) => x.name);
        expect(names.length).toBe(entries.reduce((n, e) => n + e.tools.length, 0));
        expect(new Set(names).size).toBe(names.length);
        expect(t.routes.size).toBe(names.length);
        for (const tool of t.tools) {
          expect(isValidToolName(tool.name), JSON.stringify(tool.name)).toBe(true);
          const meta = tool._meta?.[ROUTE_META_KEY] as { configuration_id: string; upstream_tool: string } | undefined;
          const route = t.routes.get(tool.name);
          expect(route?.upstreamName).toBe(meta?.upstream_tool);
          expect(route?.link.id).toBe(meta?.configuration_id);
        }
        // Every upstream tool of every configuration is reachable (duplicates included).
        for (const e of entries) {
          const routed = [...t.routes.values()].filter((r) => r.link.id === e.link.id).map((r) => r.upstreamName).sort();
          expect(routed).toEqual([...e.tools.map((x) => x.name)].sort());
        }
        // Order of the input (store iteration order) does not matter.
        const it = shuffle[Symbol.iterator]();
        const shuffled = [...entries].sort(() => ((it.next().value as number) % 3) - 1);
        expect(table(shuffled).tools.map((x) => x.name)).toEqual(names);
      }),
      { numRuns: RUNS },
    );
  });

  it('a newer configuration never renames the tools of older ones', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 6 }), specArb, (specs, newer) => {
        const entries = specs.map(linkOf);
        const before = table(entries).tools.map((x) => x.name);
        const added = linkOf({ ...newer, second: 59 });
        const after = table([...entries, added]).tools.filter((x) => (x._meta?.[ROUTE_META_KEY] as { configuration_id: string }).configuration_id !== added.link.id);
        expect(after.map((x) => x.name)).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });
});
