/**
 * Bytes this process pulled off its client sockets to one server: the deterministic measure of how
 * much of an answer a reader took in. A reader that stops at a size limit holds at most what it
 * read, whatever the garbage collector does and however loaded the machine is; heap readings
 * depend on both. Every client connection opened through `net.connect` (undici, fetch, node:http)
 * is seen through the `net.client.socket` diagnostics channel.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

export interface BytesReadCounter {
  /** Everything read so far from the server's port over connections opened since `countBytesRead`. */
  total(): number;
  /** Stops watching new connections (the ones already seen keep counting). */
  stop(): void;
}

const CHANNEL = 'net.client.socket';

export function countBytesRead(port: number): BytesReadCounter {
  const sockets = new Set<Socket>();
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket?: Socket }).socket;
    if (!socket) return;
    // The peer is known once connected (and forgotten once destroyed; bytesRead is kept).
    socket.once('connect', () => {
      if (socket.remotePort === port) sockets.add(socket);
    });
  };
  subscribe(CHANNEL, onSocket);
  return {
    total: () => [...sockets].reduce((sum, s) => sum + s.bytesRead, 0),
    stop: () => void unsubscribe(CHANNEL, onSocket),
  };
}
