#!/usr/bin/env node
// A complete terminal client for the pod-shell broker in one file, following docs/protocol.md:
//   node examples/connect.mjs ws://127.0.0.1:8080/v1/session "$TOKEN"
// With a terminal on stdin it runs raw (Ctrl-C goes to the pod) and follows window resizes; with a
// pipe on stdin it sends the input, then half-closes stdin ([0xFF, 0]) so the command sees EOF.
// Exits with the remote command's exit code, or 1 when the broker closed the session for another reason.
import WebSocket from 'ws';
import {
  Channel,
  CloseCode,
  CLOSE_CODE_MESSAGES,
  POD_SHELL_SUBPROTOCOL,
  encodeCloseFrame,
  encodeFrame,
  encodeResize,
  interpretStatus,
  parseServerControl,
} from '@pod-shell/protocol';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  process.stderr.write('usage: node examples/connect.mjs <ws(s)://broker/v1/session> <token>\n');
  process.exit(2);
}

// Non-browser clients send the token in Authorization (a browser would use pod-shell.bearer.<jwt>).
const socket = new WebSocket(url, [POD_SHELL_SUBPROTOCOL], { headers: { Authorization: `Bearer ${token}` } });
socket.binaryType = 'nodebuffer';
const interactive = process.stdin.isTTY === true;
let exitCode = 1;
let closing = null;

const sendSize = () => {
  if (process.stdout.columns && process.stdout.rows) {
    socket.send(
      encodeFrame(Channel.Resize, encodeResize({ Width: process.stdout.columns, Height: process.stdout.rows })),
    );
  }
};

socket.on('unexpected-response', (_req, res) => {
  process.stderr.write(`pod-shell: the broker refused the connection with HTTP ${res.statusCode}\n`);
  process.exit(1);
});

socket.on('open', () => {
  sendSize(); // the first frame: the shell starts at the right size
  if (interactive) {
    process.stdin.setRawMode(true);
    process.stdout.on('resize', sendSize);
  }
  process.stdin.on('data', (chunk) => socket.send(encodeFrame(Channel.Stdin, chunk)));
  process.stdin.on('end', () => socket.send(encodeCloseFrame()));
});

socket.on('message', (data) => {
  const channel = data[0];
  const payload = data.subarray(1);
  if (channel === Channel.Stdout) process.stdout.write(payload);
  else if (channel === Channel.Stderr) process.stderr.write(payload);
  else if (channel === Channel.Status) {
    const outcome = interpretStatus(payload.toString('utf8'));
    exitCode = outcome.kind === 'success' ? 0 : outcome.kind === 'exit' ? outcome.exitCode : 1;
  } else if (channel === Channel.Control) {
    const message = parseServerControl(payload);
    if (message.type === 'closing') closing = message;
    else if (message.type === 'expiring')
      process.stderr.write(`\r\npod-shell: session expires at ${new Date(message.at).toISOString()}\r\n`);
  }
});

socket.on('close', (code) => {
  if (interactive) process.stdin.setRawMode(false);
  if (code !== CloseCode.Exited) {
    const text = closing?.message || CLOSE_CODE_MESSAGES[code] || 'connection closed';
    process.stderr.write(`\r\npod-shell: ${text} (close ${code}${closing ? `, ${closing.reason}` : ''})\r\n`);
    exitCode = 1;
  }
  process.exit(exitCode);
});

socket.on('error', (err) => {
  process.stderr.write(`pod-shell: ${err.message}\n`);
  process.exit(1);
});
