// TEST-ONLY OpenID provider for ecoute's integration and browser tests. Never deploy it.
//
// The OpenID-certified `oidc-provider` (panva), on loopback, configured like FranceConnect
// (ES256 ID tokens and userinfo JWT, `acr` eidas1), like ProConnect (RS256 ID tokens and
// userinfo JWT, `amr` with mfa, `siret`) or like a Caf's Keycloak (RS256 ID tokens, userinfo
// as plain JSON although signing algorithms are announced, client_secret_basic at the token
// endpoint, `amr` only when asked). Its configuration comes as JSON in OIDC_TEST_CONFIG:
//
//   { "profile": "franceconnect" | "proconnect" | "keycloak", "port": 0,
//     "clients": [{ "client_id", "client_secret", "redirect_uris": [...],
//                   "post_logout_redirect_uris": [...] }] }
//
// It prints `listening <issuer>` on stdout once it answers.
//
// The interaction (login and consent) asks no human: `GET /interaction/<uid>?sub=…&email=…`
// (optional: `mfa=0` (`mfa=1` for keycloak), `siret=…`, `acr=…`, `verified=0`) signs that person in and consents at once. Without
// `sub`, the page is a small form with those fields (for the headless browser checks).
import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const profile = ['proconnect', 'keycloak'].includes(config.profile) ? config.profile : 'franceconnect';
const alg = profile === 'franceconnect' ? 'ES256' : 'RS256';
const keycloak = profile === 'keycloak';

async function key(alg, kid) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

// Who signed in, by `sub`: what the interaction was given.
const people = new Map();

const server = http.createServer();
await new Promise((resolve) => server.listen(config.port || 0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: (config.clients || []).map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    post_logout_redirect_uris: c.post_logout_redirect_uris || [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: keycloak ? 'client_secret_basic' : 'client_secret_post',
    id_token_signed_response_alg: alg,
    // FranceConnect v2 and ProConnect sign userinfo (`application/jwt`); a Keycloak client
    // answers JSON unless set otherwise.
    ...(keycloak ? {} : { userinfo_signed_response_alg: alg }),
  })),
  jwks: { keys: [await key(alg, `${profile}-1`)] },
  cookies: { keys: ['test-only-cookie-key'] },
  acrValues: profile === 'franceconnect' ? ['eidas1', 'eidas2', 'eidas3'] : ['eidas1', 'eidas2'],
  claims: {
    // ProConnect's `amr` (with `mfa` when a second factor was used) in the ID token.
    openid: ['sub', 'amr'],
    email: ['email', 'email_verified'],
    given_name: ['given_name'],
    siret: ['siret'],
    profile: ['family_name'],
  },
  scopes: ['openid', 'email', 'given_name', 'siret', 'profile'],
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => false },
  findAccount: async (ctx, sub) => {
    const person = people.get(sub);
    if (!person) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub,
        email: person.email,
        email_verified: person.verified,
        given_name: person.given_name || 'Camille',
        ...(person.siret ? { siret: person.siret } : {}),
        ...(person.amr ? { amr: person.amr } : {}),
      }),
    };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'text/plain';
    ctx.body = `error: ${out.error}: ${out.error_description || ''}`;
  },
});
provider.proxy = false;

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (!match || ctx.method !== 'GET') return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const q = ctx.query;
  if (!q.sub) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Fournisseur de test</title></head>
<body><main><h1>Fournisseur d'identité de test (${escape(profile)})</h1>
<form method="get" action="/interaction/${escape(details.uid)}">
<label for="sub">Identifiant (sub)</label> <input id="sub" name="sub" value="citoyen-1">
<label for="email">Adresse électronique</label> <input id="email" name="email" value="camille@exemple.fr">
<button type="submit">Se connecter</button></form></main></body></html>`;
    return undefined;
  }
  const sub = String(q.sub);
  let amr;
  if (profile === 'proconnect') amr = q.mfa === '0' ? ['pwd'] : ['pwd', 'mfa'];
  if (keycloak && q.mfa === '1') amr = ['pwd', 'mfa'];
  const verified = q.verified !== '0';
  people.set(sub, { email: String(q.email || `${sub}@exemple.fr`), siret: q.siret, given_name: q.given_name, amr, verified });
  const params = details.params;
  const grant = new provider.Grant({ accountId: sub, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope || 'openid'));
  const grantId = await grant.save();
  const acr = q.acr || (profile === 'franceconnect' ? 'eidas1' : 'eidas1');
  const result = { login: { accountId: sub, acr, ...(amr ? { amr } : {}) }, consent: { grantId } };
  return provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
});

server.on('request', provider.callback());
process.stdout.write(`listening ${issuer}\n`);
// Stops with its parent: the test harness closes stdin when it drops the process.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
