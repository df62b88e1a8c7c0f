import { z } from 'zod';
import { htmlToText } from './html.js';

/** The fields of Graph's chatMessage this connector reads; everything else is ignored. */
const identity = z.object({ id: z.string().nullish(), displayName: z.string().nullish() }).nullish();
export const GraphChatMessageSchema = z.object({
  id: z.string(),
  replyToId: z.string().nullish(),
  messageType: z.string().nullish(),
  createdDateTime: z.string().nullish(),
  subject: z.string().nullish(),
  webUrl: z.string().nullish(),
  from: z.object({ user: identity, application: identity }).nullish(),
  // Graph's itemBody: both fields are nullable (contentType text or html).
  body: z.object({ contentType: z.string().nullish(), content: z.string().nullish() }).nullish(),
});
export type GraphChatMessage = z.infer<typeof GraphChatMessageSchema>;

/** What tools return per message: the HTML as Graph sent it and the plain text derived from it. */
export const MessageSchema = z.object({
  id: z.string(),
  replyToId: z.string().nullable(),
  messageType: z.string().nullable(),
  createdDateTime: z.string().nullable(),
  from: z.object({ id: z.string().nullable(), displayName: z.string().nullable(), kind: z.enum(['user', 'application']) }).nullable(),
  subject: z.string().nullable(),
  body: z.object({ contentType: z.string(), content: z.string() }),
  text: z.string(),
  webUrl: z.string().nullable(),
});
export type Message = z.infer<typeof MessageSchema>;

export function toMessage(m: GraphChatMessage): Message {
  const content = m.body?.content ?? '';
  const contentType = m.body?.contentType ?? 'text';
  const user = m.from?.user;
  const app = m.from?.application;
  const sender = user ?? app;
  return {
    id: m.id,
    replyToId: m.replyToId ?? null,
    messageType: m.messageType ?? null,
    createdDateTime: m.createdDateTime ?? null,
    from: sender ? { id: sender.id ?? null, displayName: sender.displayName ?? null, kind: user ? 'user' : 'application' } : null,
    subject: m.subject ?? null,
    body: { contentType, content },
    text: contentType.toLowerCase() === 'html' ? htmlToText(content) : content,
    webUrl: m.webUrl ?? null,
  };
}

const PREVIEW_CHARS = 200;

/** One line per message: `- [time] Name: text` (text shortened so a long thread stays readable). */
export function summarizeMessages(messages: readonly Message[], heading: string, hasMore: boolean): string {
  if (messages.length === 0) return `${heading}: no messages.`;
  const lines = messages.map((m) => {
    const who = m.from?.displayName ?? (m.messageType && m.messageType !== 'message' ? m.messageType : 'unknown sender');
    const text = m.text.replace(/\s+/g, ' ').trim();
    const shown = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
    const head = [`- (${m.id})`, m.createdDateTime, `${who}:`, m.subject ? `[${m.subject}]` : undefined].filter(Boolean).join(' ');
    return shown ? `${head} ${shown}` : head;
  });
  const more = hasMore ? '\nMore messages exist beyond these (older ones).' : '';
  return `${heading} (${messages.length}):\n${lines.join('\n')}${more}`;
}

/** The body Graph expects for a new message or reply. */
export function messageBody(content: string, contentType: 'text' | 'html', subject?: string) {
  return { ...(subject !== undefined ? { subject } : {}), body: { contentType, content } };
}
