import { escapeControl } from '../domain/terminal-text.js';
import type { CliIO } from './io.js';

/** `--json`: exactly one JSON document on stdout. */
export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A plain aligned table; cells are made single-line so rows stay rows. */
export function printTable(io: CliIO, header: string[], rows: string[][], empty = '(none)'): void {
  if (rows.length === 0) {
    io.stdout.write(empty + '\n');
    return;
  }
  const clean = (s: string) => escapeControl(s.replace(/[ \t\r\n]+/g, ' '));
  const all = [header, ...rows.map((r) => r.map(clean))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  for (const r of all) io.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ') + '\n');
}

/** `key: value` lines for one object, nested values as compact JSON. */
export function printObject(io: CliIO, o: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(o).map((k) => k.length));
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    // JSON.stringify escapes C0 but not DEL or C1: every value goes through the one escape.
    const text = escapeControl(typeof v === 'string' ? v : JSON.stringify(v));
    io.stdout.write(`${k.padEnd(width)}  ${text}\n`);
  }
}
