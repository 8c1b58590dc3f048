// A real OpenID provider (panva's oidc-provider) on loopback, for Rapport's SSO tests.
//
//   REDIRECT_URI=http://localhost:8080/api/v1/auth/oidc/test/callback node provider.mjs
//
// Prints `READY <issuer>` once listening on a free port of 127.0.0.1. The login and consent
// steps finish on their own for the account named by the `login_hint` parameter (default
// alice@example.com), so a test can walk the whole authorization code flow with an HTTP client.
// Accounts whose address starts with `unverified` come with `email_verified: false`.
// TOKEN_CLOCK_OFFSET_SECONDS shifts the provider's clock while it answers the token endpoint
// (e.g. -7200 issues ID tokens that are already expired); logins and cookies keep the real time.
import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const offset = Number(process.env.TOKEN_CLOCK_OFFSET_SECONDS || 0);
let shifted = false;
const realNow = Date.now;
Date.now = () => realNow() + (shifted ? offset * 1000 : 0);
const redirectUri = process.env.REDIRECT_URI;
if (!redirectUri) {
  console.error('REDIRECT_URI is required');
  process.exit(2);
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'rapport',
      client_secret: 'rapport-test-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: ['rapport-test-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: !id.startsWith('unverified'), name: 'Test User' };
      },
    };
  },
});

const callback = provider.callback();
server.on('request', async (req, res) => {
  if (!req.url.startsWith('/interaction/')) {
    if (offset && req.url.startsWith('/token')) {
      // Requests are answered one at a time in the tests: the shift covers this one only.
      shifted = true;
      res.on('close', () => {
        shifted = false;
      });
    }
    callback(req, res);
    return;
  }
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      const accountId = details.params.login_hint || 'alice@example.com';
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
});

console.log(`READY ${issuer}`);
