import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';

/** Where the exceptions are kept for people: the test reads them from there, so the two cannot drift. */
export const EXCEPTIONS_DOC = join(ROOT, 'test/conformance/README.md');
const HEADING = '## Through the gateway: exceptions';

export interface GatewayException {
  /** `fixture` (test/fakes/conformance-everything.ts) or `server-everything`. */
  upstream: string;
  scenario: string;
  reason: string;
}

/**
 * The table under HEADING in the README: `| upstream | scenario | reason |`, one row per scenario
 * that passes directly but not yet through the gateway. Parsed strictly: a malformed row fails
 * loudly instead of silently dropping an exception.
 */
export function readGatewayExceptions(text = readFileSync(EXCEPTIONS_DOC, 'utf8')): GatewayException[] {
  const start = text.indexOf(`\n${HEADING}\n`);
  if (start < 0) throw new Error(`${EXCEPTIONS_DOC}: no "${HEADING}" section`);
  const rest = text.slice(start + HEADING.length + 2);
  const end = rest.search(/\n## /);
  const rows = (end < 0 ? rest : rest.slice(0, end)).split('\n').filter((l) => l.startsWith('|'));
  const [header, rule, ...body] = rows;
  if (header?.replace(/\s+/g, '') !== '|upstream|scenario|reason|' || !rule || !/^\|[\s|:-]+\|$/.test(rule)) {
    throw new Error(`${EXCEPTIONS_DOC}: the exceptions table must start with "| upstream | scenario | reason |" and its rule line`);
  }
  return body.map((line) => {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const [upstream, scenario, reason] = cells;
    const name = /^`([a-z0-9-]+)`$/.exec(scenario ?? '')?.[1];
    if (cells.length !== 3 || (upstream !== 'fixture' && upstream !== 'server-everything') || !name || !reason) {
      throw new Error(`${EXCEPTIONS_DOC}: malformed exception row ${JSON.stringify(line)} (want | fixture or server-everything | \`scenario\` | reason |)`);
    }
    return { upstream, scenario: name, reason };
  });
}
