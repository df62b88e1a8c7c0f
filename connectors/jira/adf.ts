import { z } from 'zod';

/**
 * Atlassian Document Format, the rich-text tree Jira REST v3 uses for descriptions and comments.
 * Only the small subset we write is typed strictly; reading accepts any node and degrades to text.
 */
export interface AdfNode {
  type: string;
  text?: string | undefined;
  attrs?: Record<string, unknown> | undefined;
  content?: AdfNode[] | undefined;
}

export const AdfNodeSchema: z.ZodType<AdfNode> = z.lazy(() =>
  z.looseObject({
    type: z.string(),
    text: z.string().optional(),
    attrs: z.record(z.string(), z.unknown()).optional(),
    content: z.array(AdfNodeSchema).optional(),
  }),
);

export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

/**
 * Plain text → ADF: blank-line separated blocks become paragraphs, single newlines hard breaks.
 * No markup is interpreted, so what the caller typed is exactly what Jira shows.
 */
export function textToAdf(text: string): AdfDoc {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*(?:\n[ \t]*)+/)
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim() !== '');
  return { type: 'doc', version: 1, content: paragraphs.map(paragraph) };
}

function paragraph(p: string): AdfNode {
  const content: AdfNode[] = [];
  p.split('\n').forEach((line, i) => {
    if (i > 0) content.push({ type: 'hardBreak' });
    // ADF refuses empty text nodes.
    if (line !== '') content.push({ type: 'text', text: line });
  });
  return { type: 'paragraph', content };
}

const BLOCK_TYPES = new Set(['paragraph', 'heading', 'bulletList', 'orderedList', 'codeBlock', 'blockquote', 'rule', 'table', 'panel', 'mediaSingle', 'mediaGroup', 'expand', 'nestedExpand', 'taskList', 'decisionList']);

/** ADF → readable plain text for tool results; unknown nodes fall back to their children's text. */
export function adfToText(doc: unknown): string {
  const parsed = AdfNodeSchema.safeParse(doc);
  if (!parsed.success) return typeof doc === 'string' ? doc : '';
  return blocks(parsed.data.content ?? []);
}

function blocks(nodes: readonly AdfNode[]): string {
  return nodes
    .map(block)
    .filter((s) => s !== '')
    .join('\n\n');
}

function block(n: AdfNode): string {
  switch (n.type) {
    case 'paragraph':
    case 'heading':
      return inline(n.content ?? []);
    case 'codeBlock':
      return '```\n' + inline(n.content ?? []) + '\n```';
    case 'blockquote':
      return blocks(n.content ?? []).split('\n').map((l) => `> ${l}`).join('\n');
    case 'bulletList':
      return (n.content ?? []).map((item) => `- ${indentRest(blocks(item.content ?? []))}`).join('\n');
    case 'orderedList': {
      const start = typeof n.attrs?.order === 'number' ? n.attrs.order : 1;
      return (n.content ?? []).map((item, i) => `${start + i}. ${indentRest(blocks(item.content ?? []))}`).join('\n');
    }
    case 'taskList':
      return (n.content ?? []).map((item) => `[${item.attrs?.state === 'DONE' ? 'x' : ' '}] ${inline(item.content ?? [])}`).join('\n');
    case 'rule':
      return '---';
    case 'table':
      return (n.content ?? []).map((row) => (row.content ?? []).map((cell) => blocks(cell.content ?? []).replace(/\n+/g, ' ')).join(' | ')).join('\n');
    case 'mediaSingle':
    case 'mediaGroup':
      return '[attachment]';
    default:
      if (n.content?.some((c) => BLOCK_TYPES.has(c.type))) return blocks(n.content);
      return inline(n.content ?? [n]);
  }
}

function inline(nodes: readonly AdfNode[]): string {
  return nodes.map(inlineNode).join('');
}

function inlineNode(n: AdfNode): string {
  switch (n.type) {
    case 'text':
      return n.text ?? '';
    case 'hardBreak':
      return '\n';
    case 'mention':
      return str(n.attrs?.text) ?? '@' + (str(n.attrs?.id) ?? 'someone');
    case 'emoji':
      return str(n.attrs?.text) ?? str(n.attrs?.shortName) ?? '';
    case 'inlineCard':
    case 'blockCard':
      return str(n.attrs?.url) ?? '';
    case 'date': {
      const ts = Number(str(n.attrs?.timestamp));
      return Number.isFinite(ts) ? new Date(ts).toISOString().slice(0, 10) : '';
    }
    case 'status':
      return str(n.attrs?.text) ?? '';
    default:
      return n.content ? inline(n.content) : (n.text ?? '');
  }
}

function indentRest(s: string): string {
  return s.replace(/\n/g, '\n  ');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
