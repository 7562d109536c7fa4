// A real OpenID Connect provider on loopback for the single sign-on tests (tests/signin):
// panva's oidc-provider, certified by the OpenID Foundation, with its development login form.
//
//   node tests/signin/oidc_provider.mjs --port 0 --client-id ID --client-secret SECRET \
//     --redirect-uri http://localhost:8081/accounts/oidc/municipality/login/callback/
//
// --redirect-uri may be given more than once; the client id and secret may come from
// OIDC_TEST_CLIENT_ID and OIDC_TEST_CLIENT_SECRET instead. Port 0 takes a free port. Once it
// answers, the provider prints "listening <issuer>" on a line of its own.
//
// Any login and password are accepted; the login becomes the account id, and the account's
// e-mail address. An address is said to be verified (`email_verified`) unless the login starts
// with "unverified". The one client is confidential (client_secret_post), must use PKCE, and
// gets `auth_time` in every ID token. Consent is given without asking: the portal is the only
// client, and the tests are about the portal's side.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string', default: process.env.OIDC_TEST_CLIENT_ID },
    'client-secret': { type: 'string', default: process.env.OIDC_TEST_CLIENT_SECRET },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
  },
});

if (!args['client-id'] || !args['client-secret'] || !args['redirect-uri'].length) {
  console.error('usage: oidc_provider.mjs --client-id ID --client-secret SECRET '
    + '--redirect-uri URI [--redirect-uri URI ...] [--port PORT]');
  process.exit(2);
}

const SCOPES = 'openid email profile';

// A signing key of this run's own, not oidc-provider's published development keys.
function signingKeys() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' }] };
}

function account(accountId) {
  return {
    accountId,
    async claims() {
      return {
        sub: accountId,
        email: accountId,
        email_verified: !accountId.startsWith('unverified'),
      };
    },
  };
}

// The grant the person would give on the consent page, given at once.
async function loadExistingGrant(ctx) {
  const { client, session, provider: op } = ctx.oidc;
  const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
  if (grantId) {
    const grant = await op.Grant.find(grantId);
    if (grant && grant.accountId === session.accountId) {
      return grant;
    }
  }
  const grant = new op.Grant({ clientId: client.clientId, accountId: session.accountId });
  grant.addOIDCScope(SCOPES);
  await grant.save();
  return grant;
}

const server = createServer();
server.listen(Number(args.port), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: args['client-id'],
        client_secret: args['client-secret'],
        redirect_uris: args['redirect-uri'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
        require_auth_time: true,
      },
    ],
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: [],
    },
    features: {
      devInteractions: { enabled: true },
    },
    findAccount: (ctx, accountId) => account(accountId),
    loadExistingGrant,
    jwks: signingKeys(),
    cookies: { keys: [randomBytes(32).toString('hex')] },
  });
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});
