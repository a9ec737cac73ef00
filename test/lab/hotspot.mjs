// The hotspot's small HTTP admin page, inside its namespace. argv: address port.
import { createServer } from 'node:http';

const [host, port] = process.argv.slice(2);
createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<h1>Hotspot admin</h1><p>clients: see the lab</p>');
}).listen(Number(port), host, () => console.log('hotspot admin up'));
