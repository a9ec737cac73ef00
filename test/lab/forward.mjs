// Runs inside the console namespace: a unix socket (which crosses namespaces as a
// file) forwarded to the rigmap server on 127.0.0.1 there. argv: socket port.
import { createConnection, createServer } from 'node:net';

const [sock, port] = process.argv.slice(2);
createServer((client) => {
  const upstream = createConnection({ host: '127.0.0.1', port: Number(port) });
  client.pipe(upstream).pipe(client);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
}).listen(sock, () => console.log('forwarding'));
