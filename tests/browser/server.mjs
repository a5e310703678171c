// The demo server of the browser checks: `ecoute demo` on a free port, its output kept in
// memory (the checks read mailed links and the demo's console passwords from it), stopped with
// SIGTERM whatever happens.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const shotsDir = join(here, 'screenshots');
export const defaultDataDir = join(here, '.ecoute');
export const STARTUP_TIMEOUT_MS = Number(process.env.STARTUP_TIMEOUT || 300) * 1000;

// ---------------------------------------------------------------------------------------------
// The server

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export let server = null; // { child, exited: Promise, log: string[], output: string, done: boolean }

export async function startServer(port, extraEnv = {}) {
  mkdirSync(shotsDir, { recursive: true });
  const listen = ['demo', '--listen', `127.0.0.1:${port}`];
  const [cmd, args] = process.env.ECOUTE_BIN
    ? [process.env.ECOUTE_BIN, listen]
    : ['cargo', ['run', '--quiet', '--bin', 'ecoute', '--', ...listen]];
  // Its own embedded cluster (kept between runs), unless told otherwise: every ecoute process on a
  // cluster runs a mail worker, and any of them may claim (and log) the sign-in e-mail that the
  // journey checks read from this server's output. `ecoute demo` seeds it on start.
  const env = { ...process.env, ...extraEnv, NO_COLOR: '1' };
  if (!env.DATABASE_URL && !env.ECOUTE_DATA_DIR) env.ECOUTE_DATA_DIR = defaultDataDir;
  const database = env.DATABASE_URL ? 'DATABASE_URL' : `embedded cluster in ${env.ECOUTE_DATA_DIR}`;
  console.log(`# starting: ${cmd} ${args.join(' ')}  (cwd ${repoRoot}; ${database})`);
  const logFile = createWriteStream(join(shotsDir, 'server.log'));
  // Own process group, so that SIGTERM reaches the server even behind `cargo run`.
  // (The embedded PostgreSQL and its watchdog run in their own groups and are not touched.)
  const child = spawn(cmd, args, {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const log = [];
  const keep = (chunk) => {
    logFile.write(chunk);
    server.output += chunk.toString();
    for (const line of chunk.toString().split('\n')) if (line) log.push(line);
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => {
    child.on('exit', (code, signal) => {
      logFile.end();
      r({ code, signal });
    });
    // Could not start at all (e.g. no such file): there will be no 'exit' event.
    child.on('error', (e) => {
      log.push(`cannot start ${cmd}: ${e.message}`);
      logFile.end();
      r({ error: e.message });
    });
  });
  // `output` is everything the server wrote (the sign-in e-mails are read from it), `log` the
  // last lines for error messages.
  server = { child, exited, log, output: '', done: false };
  exited.then(() => (server.done = true));

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.done) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await sleep(300);
  }
  const why = server.done ? `exited (${JSON.stringify(await server.exited)})` : 'did not answer /healthz in time';
  throw new Error(`ecoute ${why}; last log lines:\n${log.slice(-40).join('\n')}`);
}

export function signalServer(signal) {
  if (!server || server.done) return;
  try {
    process.kill(-server.child.pid, signal);
  } catch {
    try {
      server.child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

export async function stopServer() {
  if (!server || server.done) return;
  signalServer('SIGTERM');
  const result = await Promise.race([server.exited, sleep(20_000).then(() => null)]);
  if (!result) {
    console.log('# ecoute did not stop within 20 s of SIGTERM; sending SIGKILL');
    signalServer('SIGKILL');
    await server.exited;
  }
}

// Backstops: never leave the server behind.
process.on('exit', () => signalServer('SIGTERM'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    console.log(`# ${sig}: stopping ecoute`);
    await stopServer();
    process.exit(130);
  });
}
