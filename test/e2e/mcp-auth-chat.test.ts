import { describe, expect, it } from 'vitest';
import { api, CONFIGURATIONS } from '../helpers/server.js';
import { waitFor } from '../helpers/timing.js';
import { chatClient, textOf, type Era } from './chat-support.js';
import { useProtectedStack } from './protected-stack.js';

/**
 * Connecting a protected remote MCP server from inside the chat, through the built server, against
 * a real authorization server (oidc-provider, dynamic registration) and an SDK MCP server that
 * requires its tokens: the stand-in `authorize` tool of a configuration with only an endpoint,
 * step-up on 403 insufficient_scope, the original call answered with the real result, in both
 * protocol eras; clients without URL elicitation are told where to connect.
 */
describe.each<Era>(['legacy', 'modern'])('connecting from inside the chat (%s era)', (era) => {
  const s = useProtectedStack();

  const create = async (secret: string, name: string) => {
    const created = await api(s.server.url, secret, 'POST', CONFIGURATIONS, { personal_connector_id: 'pc_custom_mcp', name, configuration: { endpoint: s.upstream.url } });
    expect(created.status, created.text).toBe(201);
    return String(created.json!.id);
  };

  it('a client with URL elicitation is sent to consent, its calls return real results, step-up included; users stay apart', async () => {
    const alice = s.data.principals[0]!.secret;
    const bob = s.data.principals[1]!.secret;
    const id = await create(alice, 'Protected');

    const chat = await chatClient(s.server, alice, era, s.provider, 'alice');
    try {
      // Discovery met the 401: the configuration lists one tool that connects it.
      const connected = await chat.call('authorize');
      expect(connected.isError, textOf(connected)).toBeFalsy();
      expect(textOf(connected)).toMatch(/^Connected "Protected \(pconf_[^)]+\)"\. Its tools: .*_whoami, .*_write\.$/);
      expect(chat.asked).toHaveLength(1);
      const first = chat.asked[0]!;
      expect(first.url.startsWith(`${s.server.url}/v1/personal_connectors/oauth/authorize?state=`)).toBe(true);
      expect(first.message).toContain('"Protected"');
      expect(first.providerAuth!.searchParams.get('resource')).toBe(s.upstream.resource);
      if (era === 'legacy') expect(chat.completed).toEqual([first.elicitationId]);

      expect(textOf(await chat.call('whoami'))).toBe('whoami as alice');

      // A tool that needs more scope: 403 insufficient_scope → consent with more → the call's own result.
      const stepUp = await chat.call('write');
      expect(stepUp.isError, textOf(stepUp)).toBeFalsy();
      expect(textOf(stepUp)).toBe('write as alice');
      expect(chat.asked).toHaveLength(2);
      expect(chat.asked[1]!.message).toContain('more access (tools:read tools:write)');
      expect(chat.asked[1]!.providerAuth!.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['tools:read', 'tools:write']));
      expect(s.upstream.seen.calls.filter((c) => c.tool === 'write')).toEqual([{ tool: 'write', sub: 'alice' }]);
    } finally {
      await chat.close();
    }
    const healthy = await waitFor(async () => {
      const r = await api(s.server.url, alice, 'GET', `${CONFIGURATIONS}/${id}`);
      return r.json?.health_status === 'healthy' ? r : undefined;
    }, 'the configuration to turn healthy');
    expect(healthy.json!.last_error).toBeUndefined();

    // Bob connects the same server from his chat as bob; neither sees the other's tokens.
    await create(bob, 'Protected');
    const bobChat = await chatClient(s.server, bob, era, s.provider, 'bob');
    try {
      expect(textOf(await bobChat.call('authorize'))).toMatch(/^Connected/);
      expect(textOf(await bobChat.call('whoami'))).toBe('whoami as bob');
    } finally {
      await bobChat.close();
    }
    const again = await chatClient(s.server, alice, era, s.provider, 'alice');
    try {
      expect(textOf(await again.call('whoami'))).toBe('whoami as alice');
      expect(again.asked).toHaveLength(0);
    } finally {
      await again.close();
    }
  });

  it('a client without URL elicitation is told where to connect; a declined consent calls nothing', async () => {
    const bob = s.data.principals[1]!.secret;
    const id = await create(bob, 'Elsewhere');
    const plain = await chatClient(s.server, bob, era, s.provider, 'bob', { elicitation: false });
    try {
      const r = await plain.call('authorize');
      expect(r.isError).toBe(true);
      expect(textOf(r)).toContain(`needs authorization: connect it in a browser: \`connector-gateway configs connect --id ${id}\``);
    } finally {
      await plain.close();
    }
    const waiting = await waitFor(async () => {
      const r = await api(s.server.url, bob, 'GET', `${CONFIGURATIONS}/${id}`);
      return r.json?.health_status === 'unhealthy' ? r : undefined;
    }, 'the configuration to turn unhealthy');
    expect(String(waiting.json!.last_error)).toMatch(new RegExp(`^needs authorization: .*configs connect --id ${id}`));

    const declining = await chatClient(s.server, bob, era, s.provider, 'bob', { answer: 'decline' });
    try {
      const r = await declining.call('authorize');
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/^The authorization of "Elsewhere \(pconf_[^)]+\)" was declined/);
      expect(declining.asked).toHaveLength(1);
    } finally {
      await declining.close();
    }
  });
});
