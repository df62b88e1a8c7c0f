import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, LOG_LEVEL_META_KEY, ProtocolError, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { startConformanceEverything } from '../fakes/conformance-everything.js';
import { SUITE_PROMPTS, SUITE_RESOURCES, SUITE_TEMPLATES, SUITE_TOOLS } from './suite-names.js';

/**
 * The conformance runner (0.1.13) speaks only the 2025 era, so this drives the fixture's
 * 2026-07-28 leg with the SDK v2 client, scenario by scenario, with the same expectations: what a
 * gateway relaying modern traffic to the fixture can be checked against.
 */
const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('the everything fixture on the 2026-07-28 era', () => {
  let fixture: Awaited<ReturnType<typeof startConformanceEverything>>;
  let client: Client;
  const elicitations: Array<Record<string, unknown>> = [];
  const samplings: unknown[] = [];
  const logs: unknown[] = [];
  const updates: string[] = [];

  beforeAll(async () => {
    fixture = await startConformanceEverything();
    client = new Client({ name: 'fixture-modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { sampling: {}, elicitation: {} } });
    client.setRequestHandler('sampling/createMessage', async (req) => {
      samplings.push(req.params);
      return { role: 'assistant', content: { type: 'text', text: 'an answer from the model' }, model: 'test-model', stopReason: 'endTurn' };
    });
    client.setRequestHandler('elicitation/create', async (req) => {
      elicitations.push(req.params as Record<string, unknown>);
      return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
    });
    client.setNotificationHandler('notifications/message', (n) => void logs.push(n.params.data));
    client.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
    await client.connect(new StreamableHTTPClientTransport(new URL(fixture.url)));
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
  });
  afterAll(async () => {
    await client?.close();
    await fixture?.close();
  });

  it('lists every tool, resource, template and prompt the suite names, with the 2020-12 schema intact', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...SUITE_TOOLS].sort());
    for (const t of tools) expect(t.description, t.name).toBeTruthy();
    const schema = tools.find((t) => t.name === 'json_schema_2020_12_tool')?.inputSchema as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$defs).toHaveProperty('address');
    expect(schema.additionalProperties).toBe(false);
    expect((await client.listResources()).resources.map((r) => r.uri).sort()).toEqual([...SUITE_RESOURCES].sort());
    expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(SUITE_TEMPLATES);
    expect((await client.listPrompts()).prompts.map((p) => p.name).sort()).toEqual([...SUITE_PROMPTS].sort());
  });

  it('answers the content tools as the scenarios describe', async () => {
    const call = (name: string) => client.callTool({ name, arguments: {} }) as Promise<CallToolResult>;
    expect(textOf(await call('test_simple_text'))).toBe('This is a simple text response for testing.');
    expect((await call('test_image_content')).content).toEqual([expect.objectContaining({ type: 'image', mimeType: 'image/png' })]);
    const audio = (await call('test_audio_content')).content[0];
    expect(audio?.type === 'audio' && Buffer.from(audio.data, 'base64').subarray(0, 4).toString()).toBe('RIFF');
    expect((await call('test_embedded_resource')).content).toEqual([
      { type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } },
    ]);
    expect((await call('test_multiple_content_types')).content.map((c) => c.type)).toEqual(['text', 'image', 'resource']);
    const error = await call('test_error_handling');
    expect(error.isError).toBe(true);
    expect(textOf(error)).toBe('This tool intentionally returns an error for testing');
    expect(textOf(await call('test_reconnection'))).toMatch(/^Reconnection test completed successfully/);
  });

  it('reports progress 0, 50, 100 to a caller that asked for it', async () => {
    const seen: number[] = [];
    await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: (p) => void seen.push(p.progress) });
    expect(seen).toEqual([0, 50, 100]);
  });

  it('sends three log messages during test_tool_with_logging, only to a request that asked for a level', async () => {
    logs.length = 0;
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    // Notifications travel ahead of the response on its stream: none by now means none at all.
    expect(logs).toEqual([]);
    await client.callTool({ name: 'test_tool_with_logging', arguments: {}, _meta: { [LOG_LEVEL_META_KEY]: 'debug' } });
    expect(logs).toEqual(['Tool execution started', 'Tool processing data', 'Tool execution completed']);
  });

  it('asks the client to sample and returns its answer (input_required, retried by the client)', async () => {
    const r = (await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Say something' } })) as CallToolResult;
    expect(textOf(r)).toBe('LLM response: an answer from the model');
    expect(samplings).toEqual([expect.objectContaining({ maxTokens: 100, messages: [{ role: 'user', content: { type: 'text', text: 'Say something' } }] })]);
  });

  it('elicits with the schemas of tools-call-elicitation, SEP-1034 and SEP-1330', async () => {
    elicitations.length = 0;
    const r = (await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } })) as CallToolResult;
    expect(textOf(r)).toBe('User response: action=accept, content={"username":"ada","email":"ada@example.com"}');
    await client.callTool({ name: 'test_elicitation_sep1034_defaults', arguments: {} });
    await client.callTool({ name: 'test_elicitation_sep1330_enums', arguments: {} });
    const [user, defaults, enums] = elicitations.map((e) => (e.requestedSchema as { properties: Record<string, Record<string, unknown>> }).properties);
    expect(elicitations[0]?.message).toBe('Who are you?');
    expect(Object.keys(user ?? {})).toEqual(['username', 'email']);
    expect(Object.fromEntries(Object.entries(defaults ?? {}).map(([k, v]) => [k, v.default]))).toEqual({ name: 'John Doe', age: 30, score: 95.5, status: 'active', verified: true });
    expect(enums?.legacyEnum?.enumNames).toEqual(['Option One', 'Option Two', 'Option Three']);
    expect((enums?.titledMulti?.items as { anyOf: unknown[] }).anyOf).toHaveLength(3);
  });

  it('refuses a call whose arguments break the schema, naming the field, and an unknown tool', async () => {
    const r = (await client.callTool({ name: 'test_sampling', arguments: { prompt: 42 } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^Invalid arguments for test_sampling: prompt: /);
    await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/Unknown tool: no_such_tool/);
  });

  it('reads the text, binary and template resources, and refuses an unknown one', async () => {
    expect((await client.readResource({ uri: 'test://static-text' })).contents).toEqual([
      { uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
    ]);
    expect((await client.readResource({ uri: 'test://static-binary' })).contents).toEqual([expect.objectContaining({ mimeType: 'image/png', blob: expect.any(String) })]);
    const [templated] = (await client.readResource({ uri: 'test://template/123/data' })).contents;
    expect(templated && 'text' in templated && JSON.parse(templated.text)).toEqual({ id: '123', templateTest: true, data: 'Data for ID: 123' });
    await expect(client.readResource({ uri: 'test://nothing-here' })).rejects.toBeInstanceOf(ProtocolError);
  });

  it('gets each prompt, substituting arguments, and refuses a missing one', async () => {
    expect((await client.getPrompt({ name: 'test_simple_prompt' })).messages).toEqual([{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }]);
    const withArgs = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'hello', arg2: 'world' } });
    expect(withArgs.messages[0]?.content).toEqual({ type: 'text', text: "Prompt with arguments: arg1='hello', arg2='world'" });
    const embedded = await client.getPrompt({ name: 'test_prompt_with_embedded_resource', arguments: { resourceUri: 'test://example-resource' } });
    expect(embedded.messages[0]?.content).toEqual({ type: 'resource', resource: { uri: 'test://example-resource', mimeType: 'text/plain', text: 'Embedded resource content for testing.' } });
    expect((await client.getPrompt({ name: 'test_prompt_with_image' })).messages.map((m) => m.content.type)).toEqual(['image', 'text']);
    await expect(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'only one' } })).rejects.toThrow(/arg2 is required/);
  });

  it('completes prompt and template arguments by prefix', async () => {
    const prompt = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'pa' } });
    expect(prompt.completion).toEqual({ values: ['paris', 'park', 'party'], total: 3, hasMore: false });
    const template = await client.complete({ ref: { type: 'ref/resource', uri: 'test://template/{id}/data' }, argument: { name: 'id', value: '1' } });
    expect(template.completion.values).toEqual(['1', '123']);
  });

  it('tells a subscriptions/listen stream when the watched resource changes', async () => {
    const subscription = await client.listen({ resourceSubscriptions: ['test://watched-resource'] });
    const updated = new Promise<void>((resolve) => client.setNotificationHandler('notifications/resources/updated', (n) => (updates.push(n.params.uri), resolve())));
    await fixture.updateWatchedResource('the second version');
    await updated;
    expect(updates).toEqual(['test://watched-resource']);
    const [content] = (await client.readResource({ uri: 'test://watched-resource' }, { cacheMode: 'bypass' })).contents;
    expect(content && 'text' in content && content.text).toBe('the second version');
    await subscription.close();
  });
});
