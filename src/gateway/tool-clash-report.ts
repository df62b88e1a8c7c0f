import { GATEWAY_TOOL_NAMES } from '../domain/tool-prefix.js';
import type { ConfigurationLink } from './configuration-link.js';

/** Every clash report starts so: how the gateway recognises (and later clears) its own `last_error`. */
export const CLASH_REPORT_START = 'tool name clash: ';

/** Configuration id → the `last_error` that says which of its tools lost their names. */
export type ToolNameClashes = Map<string, string>;

const SHOWN = 3;

/**
 * From the names each tool wanted and was given (in table order), the clashes to report: a tool
 * that did not get its name because an older configuration's tool (or the gateway's own) has it.
 * A repeat within one upstream's own list is that upstream's doing, not reported.
 */
export function clashReports(entries: readonly { link: ConfigurationLink; upstream: string; wanted: string; given: string }[]): ToolNameClashes {
  const holder = new Map<string, ConfigurationLink>();
  const lines = new Map<string, string[]>();
  for (const e of entries) {
    if (e.given === e.wanted) {
      holder.set(e.given, e.link);
      continue;
    }
    holder.set(e.given, e.link);
    const owner = holder.get(e.wanted);
    const by = GATEWAY_TOOL_NAMES.has(e.wanted) ? "the gateway's own tool" : owner && owner.id !== e.link.id ? `configuration "${owner.record.name}" (${owner.id})` : undefined;
    if (!by) continue;
    const list = lines.get(e.link.id) ?? [];
    list.push(`"${e.wanted}" (listed as "${e.given}": ${by} has that name)`);
    lines.set(e.link.id, list);
  }
  const out: ToolNameClashes = new Map();
  for (const [id, list] of lines) {
    const more = list.length > SHOWN ? `, and ${list.length - SHOWN} more` : '';
    out.set(id, `${CLASH_REPORT_START}${list.slice(0, SHOWN).join('; ')}${more}. Give this configuration another tool_prefix to name its tools as you choose.`);
  }
  return out;
}
