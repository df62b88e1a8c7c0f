import { ProtocolError, ProtocolErrorCode, type CompleteResult, type GetPromptResult, type Prompt } from '@modelcontextprotocol/server';
import { PNG_BASE64, TEXT, URI } from './content.js';
import { TEMPLATE_IDS } from './resources.js';

export const PROMPT_LIST: Prompt[] = [
  { name: 'test_simple_prompt', title: 'Simple Test Prompt', description: 'A simple prompt without arguments' },
  {
    name: 'test_prompt_with_arguments',
    title: 'Prompt With Arguments',
    description: 'A prompt with required arguments',
    arguments: [
      { name: 'arg1', description: 'First test argument', required: true },
      { name: 'arg2', description: 'Second test argument', required: true },
    ],
  },
  {
    name: 'test_prompt_with_embedded_resource',
    title: 'Prompt With Embedded Resource',
    description: 'A prompt that includes an embedded resource',
    arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
  },
  { name: 'test_prompt_with_image', title: 'Prompt With Image', description: 'A prompt that includes image content' },
];

function required(prompt: string, args: Record<string, string>, name: string): string {
  const value = args[name];
  if (value === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${prompt}: argument ${name} is required`);
  return value;
}

export function getPrompt(name: string, args: Record<string, string>): GetPromptResult {
  switch (name) {
    case 'test_simple_prompt':
      return { messages: [{ role: 'user', content: { type: 'text', text: TEXT.simplePrompt } }] };
    case 'test_prompt_with_arguments': {
      const arg1 = required(name, args, 'arg1');
      const arg2 = required(name, args, 'arg2');
      return { messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }] };
    }
    case 'test_prompt_with_embedded_resource': {
      const uri = required(name, args, 'resourceUri');
      return {
        messages: [
          { role: 'user', content: { type: 'resource', resource: { uri, mimeType: 'text/plain', text: TEXT.promptResource } } },
          { role: 'user', content: { type: 'text', text: TEXT.promptResourceAsk } },
        ],
      };
    }
    case 'test_prompt_with_image':
      return {
        messages: [
          { role: 'user', content: { type: 'image', data: PNG_BASE64, mimeType: 'image/png' } },
          { role: 'user', content: { type: 'text', text: TEXT.promptImageAsk } },
        ],
      };
    default:
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${name}`);
  }
}

/** Candidates per completable argument; `completion/complete` returns those starting with the typed value. */
const CANDIDATES: Record<string, Record<string, string[]>> = {
  'ref/prompt:test_prompt_with_arguments': { arg1: ['paris', 'park', 'party', 'test-alpha', 'test-beta'], arg2: ['red', 'green', 'blue'] },
  'ref/prompt:test_prompt_with_embedded_resource': { resourceUri: [URI.staticText, URI.staticBinary, URI.watched] },
  [`ref/resource:${URI.template}`]: { id: TEMPLATE_IDS },
};

export type CompletionRef = { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };

export function complete(ref: CompletionRef, argument: { name: string; value: string }): CompleteResult {
  const key = ref.type === 'ref/prompt' ? `${ref.type}:${ref.name}` : `${ref.type}:${ref.uri}`;
  const values = (CANDIDATES[key]?.[argument.name] ?? []).filter((v) => v.startsWith(argument.value));
  return { completion: { values, total: values.length, hasMore: false } };
}
