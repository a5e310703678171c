// The OpenID providers of the browser checks: the test-only provider of the integration tests
// (tests/oidc/provider.mjs, the OpenID-certified `oidc-provider`), started twice on loopback,
// FranceConnect-like and ProConnect-like, with the demo spaces' callbacks on the server's port.
// The server is then started with ECOUTE_FRANCECONNECT_* and ECOUTE_PROCONNECT_* pointing at
// them, as an operator would configure the real ones (docs/operations.md).

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

import { repoRoot } from './server.mjs';

const CLIENT_ID = 'ecoute-browser';
const CLIENT_SECRET = 'browser-test-only-secret-0123456789';
const HOSTS = ['localhost', 'gironde.localhost', 'haute-garonne.localhost', 'aude.localhost'];

const children = [];

function startOne(profile, redirectUris, postLogout) {
  const config = {
    profile,
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: redirectUris, post_logout_redirect_uris: postLogout }],
  };
  const child = spawn('node', [join(repoRoot, 'tests', 'oidc', 'provider.mjs')], {
    env: { ...process.env, OIDC_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${profile} provider did not listen within 20 s`)), 20_000);
    child.on('exit', (code) => reject(new Error(`the ${profile} provider exited (${code})`)));
    // Keeps reading its output (it logs), and takes the issuer from its first line.
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('listening ')) {
        clearTimeout(timer);
        resolve(line.slice('listening '.length));
      }
    });
  });
}

/// Starts both providers for a server on `port`; returns the environment that configures them.
export async function startProviders(port) {
  const on = (path) => HOSTS.map((h) => `http://${h}:${port}${path}`);
  const [fc, pc] = await Promise.all([
    startOne('franceconnect', on('/connexion/franceconnect/retour'), on('/')),
    startOne('proconnect', [...on('/admin/connexion/proconnect/retour'), ...on('/connexion/proconnect/retour')], on('/')),
  ]);
  console.log(`# OpenID providers: FranceConnect-like ${fc}, ProConnect-like ${pc}`);
  const env = {};
  for (const [prefix, issuer] of [['ECOUTE_FRANCECONNECT', fc], ['ECOUTE_PROCONNECT', pc]]) {
    Object.assign(env, {
      [`${prefix}_ISSUER`]: issuer,
      [`${prefix}_CLIENT_ID`]: CLIENT_ID,
      [`${prefix}_CLIENT_SECRET`]: CLIENT_SECRET,
      [`${prefix}_SPACES`]: '*',
    });
  }
  return env;
}

export function stopProviders() {
  for (const child of children) {
    try {
      child.stdin.end();
      child.kill('SIGTERM');
    } catch {
      /* gone */
    }
  }
}

process.on('exit', stopProviders);
