// A real OpenID Connect provider (panva oidc-provider v9) for tbseq's loopback tests.
//
//   node op.mjs PORT        -> issuer http://127.0.0.1:PORT
//
// What it offers (adapted from shared/spec/test-infra/op.mjs):
// - client `tbseq` / `tbseq-secret`: authorization code with PKCE (required), a "native"
//   client so that any loopback port is accepted for its redirect URI
//   http://127.0.0.1/api/v1/oauth2/callback (RFC 8252), and post-logout redirects to
//   http://127.0.0.1/admin/login/ on any port;
// - client `svc` / `svc-secret`: client credentials; its tokens carry roles ["pipelines"];
// - every access token is an RS256 JWT (`typ: at+jwt`) for the audience OP_AUDIENCE
//   (default `api://tbseq`), with the account's oid, names, email and roles added;
// - the provider's own login and consent forms (devInteractions): any login works, the
//   password is ignored; `alice` (oid, roles ["admins"]) and `bob` (no oid, roles ["readers"])
//   have fixed claims;
// - test-only routes, on loopback only:
//     POST /__test/rotate  a new RSA signing key goes first in the JWKS (the old one stays
//                          published), answered with {"kid": <new kid>};
//     POST /__test/sign    {"claims": {...}, "alg"?: "RS256", "key"?: "rsa"|"ec"|"rs384"|
//                          "rs512"|"foreign"|"public-as-hmac", "kid"?: "..."} -> {"token": "..."}:
//                          signs any
//                          claims, for the tables of accepted and rejected tokens.
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const port = Number(process.argv[2] || process.env.OP_PORT || 9402);
const issuer = `http://127.0.0.1:${port}`;
const AUDIENCE = process.env.OP_AUDIENCE || 'api://tbseq';
const COOKIE_KEYS = ['tbseq-test-provider-cookie-key'];

const accounts = {
  alice: {
    sub: 'alice',
    oid: '00000000-0000-4000-8000-0000000a11ce',
    email: 'alice@example.com',
    email_verified: true,
    given_name: 'Alice',
    family_name: 'Baxter',
    name: 'Alice Baxter',
    roles: ['admins'],
  },
  bob: {
    sub: 'bob',
    email: 'bob@example.com',
    email_verified: true,
    given_name: 'Bob',
    family_name: 'Builder',
    name: 'Bob Builder',
    roles: ['readers'],
  },
};

function account(id) {
  return accounts[id] || {
    sub: id, email: `${id}@example.com`, email_verified: true, given_name: id, family_name: '', name: id, roles: [],
  };
}

async function newKey(alg, kid) {
  const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await jose.exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { jwk, privateKey, publicKey };
}

let generation = 1;
let rsaKeys = [await newKey('RS256', `rsa-${generation}`)];
const ecKey = await newKey('ES256', 'ec-1');
const rs384Key = await newKey('RS384', 'rs384-1');
const rs512Key = await newKey('RS512', 'rs512-1');
const foreignKey = await newKey('RS256', 'foreign');

function configuration() {
  return {
    jwks: { keys: [...rsaKeys.map((k) => k.jwk), ecKey.jwk, rs384Key.jwk, rs512Key.jwk] },
    cookies: { keys: COOKIE_KEYS },
    clients: [
      {
        client_id: 'tbseq',
        client_secret: 'tbseq-secret',
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/api/v1/oauth2/callback'],
        post_logout_redirect_uris: ['http://127.0.0.1/admin/login/'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: 'svc',
        client_secret: 'svc-secret',
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'api:read api:write',
      },
    ],
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf || AUDIENCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          scope: 'api:read api:write',
          audience: AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    async extraTokenClaims(_ctx, token) {
      if (token.accountId) {
        const { sub: _sub, email_verified: _ev, name: _name, ...claims } = account(token.accountId);
        return claims;
      }
      if (token.clientId === 'svc') return { roles: ['pipelines'] };
      return undefined;
    },
    scopes: ['openid', 'email', 'profile', 'api:read', 'api:write'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'oid', 'roles'],
    },
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      return { accountId: id, async claims() { return account(id); } };
    },
    pkce: { required: () => true },
    ttl: { AccessToken: 3600, IdToken: 3600, ClientCredentials: 3600 },
  };
}

function newProvider() {
  const p = new Provider(issuer, configuration());
  for (const event of ['grant.error', 'authorization.error', 'server_error', 'end_session.error']) {
    p.on(event, (_ctx, err) => console.log(`${event}: ${err.message} ${err.error_detail ?? ''}`));
  }
  return p;
}

let provider = newProvider();
let handler = provider.callback();

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function sign({ claims = {}, alg = 'RS256', key = 'rsa', kid }) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: issuer, aud: AUDIENCE, iat: now, exp: now + 600, ...claims };
  for (const k of Object.keys(payload)) if (payload[k] === null) delete payload[k];
  if (key === 'public-as-hmac') {
    // The classic attack: HMAC keyed with the provider's public RSA key, under its kid.
    const secret = new TextEncoder().encode(await jose.exportSPKI(rsaKeys[0].publicKey));
    return new jose.SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: kid ?? rsaKeys[0].jwk.kid }).sign(secret);
  }
  const chosen = {
    rsa: rsaKeys[0], ec: ecKey, rs384: rs384Key, rs512: rs512Key, foreign: foreignKey,
  }[key];
  if (!chosen) throw new Error(`unknown key ${key}`);
  return new jose.SignJWT(payload)
    .setProtectedHeader({ alg, kid: kid ?? chosen.jwk.kid, typ: 'at+jwt' })
    .sign(chosen.privateKey);
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/__test/rotate') {
      generation += 1;
      rsaKeys = [await newKey('RS256', `rsa-${generation}`), ...rsaKeys];
      // Same cookie keys and the module-wide in-memory store: flows in progress go on.
      provider = newProvider();
      handler = provider.callback();
      return send(res, 200, { kid: rsaKeys[0].jwk.kid });
    }
    if (req.method === 'POST' && req.url === '/__test/sign') {
      return send(res, 200, { token: await sign(await readJson(req)) });
    }
    return handler(req, res);
  } catch (e) {
    return send(res, 500, { error: String(e) });
  }
});

server.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
