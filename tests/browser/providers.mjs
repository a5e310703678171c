// The OpenID providers of the browser checks: the test-only provider of the integration tests
// (tests/oidc/provider.mjs, the OpenID-certified `oidc-provider`), started three times on
// loopback, FranceConnect-like, ProConnect-like and Keycloak-like, with the demo spaces'
// callbacks on the server's port. The server is then started with ECOUTE_FRANCECONNECT_* and
// ECOUTE_PROCONNECT_* pointing at the first two, as an operator would configure the real ones
// (docs/operations.md), and with a server key (ECOUTE_SECRETS_KEY) so that a space can add the
// third as its own provider in its console (`spaceProvider`).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

import { repoRoot } from './server.mjs';

const CLIENT_ID = 'ecoute-browser';
const CLIENT_SECRET = 'browser-test-only-secret-0123456789';
const HOSTS = ['localhost', 'gironde.localhost', 'haute-garonne.localhost', 'aude.localhost'];

const children = [];

/// The Keycloak-like provider a space adds in its console: issuer, client id and secret.
export const spaceProvider = { issuer: '', clientId: 'caf-ecoute-browser', clientSecret: 'keycloak-browser-test-only-secret-42' };

function startOne(profile, redirectUris, postLogout, clientId = CLIENT_ID, clientSecret = CLIENT_SECRET) {
  const config = {
    profile,
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris, post_logout_redirect_uris: postLogout }],
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
  const [fc, pc, kc] = await Promise.all([
    startOne('franceconnect', on('/connexion/franceconnect/retour'), on('/')),
    startOne('proconnect', [...on('/admin/connexion/proconnect/retour'), ...on('/connexion/proconnect/retour')], on('/')),
    startOne(
      'keycloak',
      [...on('/connexion/annuaire/retour'), ...on('/admin/connexion/annuaire/retour')],
      on('/'),
      spaceProvider.clientId,
      spaceProvider.clientSecret,
    ),
  ]);
  spaceProvider.issuer = kc;
  console.log(`# OpenID providers: FranceConnect-like ${fc}, ProConnect-like ${pc}, Keycloak-like ${kc}`);
  // A fresh server key per run: what a space stored in an earlier run no longer opens, and
  // the check saves its secret again.
  const env = { ECOUTE_SECRETS_KEY: randomBytes(32).toString('base64') };
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
