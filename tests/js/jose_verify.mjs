// Verify tokens of the accounts service with jose, knowing only its JWKS URL.
//
//     node jose_verify.mjs JWKS_URL TOKEN...
//
// Prints one line per token: `ok <claims as JSON>` or `refused <why>`. This is
// what another Node service does (see the README, "Verifying tokens in other
// services"); the integration tests run it against the real binary.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [url, ...tokens] = process.argv.slice(2);
const jwks = createRemoteJWKSet(new URL(url));

for (const token of tokens) {
  try {
    // jose takes the key the token's kid names and checks that its
    // algorithm is one of these.
    const { payload } = await jwtVerify(token, jwks, {
      algorithms: ['EdDSA', 'ES256'],
      requiredClaims: ['exp', 'iat', 'jti', 'token_type'],
    });
    console.log('ok ' + JSON.stringify(payload));
  } catch (error) {
    console.log(`refused ${error.code ?? error.name}: ${error.message}`);
  }
}
