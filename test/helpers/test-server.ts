/**
 * `http.createServer` for the suite's loopback servers (fakes, harnesses, proxies), with one
 * change: the server never closes an idle keep-alive connection on a timer of its own. With
 * Node's default (5 s, advertised as `Keep-Alive: timeout=5`) a client reuses an idle connection
 * up to a second or two before that, and on a loaded machine its request can cross the server's
 * FIN: a reset that no product code caused. Here the client's own idle timeout always closes the
 * connection first, and `close()` / `closeAllConnections()` end what is left.
 */
import { createServer as createNodeServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export function createServer(listener?: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = listener ? createNodeServer(listener) : createNodeServer();
  server.keepAliveTimeout = 0;
  return server;
}
