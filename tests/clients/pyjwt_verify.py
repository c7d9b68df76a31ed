"""Verify tokens of the accounts service with PyJWT, knowing only its JWKS URL.

    pyjwt_verify.py JWKS_URL TOKEN...

Prints one line per token: `ok <claims as JSON>` or `refused <why>`. This is
what another Python service does (see the README, "Verifying tokens in other
services"); the integration tests run it against the real binary.
"""

import json
import sys

import jwt


def verify(client, token):
    # The key is the one the token's kid names in the JWKS, and the
    # algorithm is that key's, never the token header's.
    signing_key = client.get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        signing_key.key,
        algorithms=[signing_key.algorithm_name],
        options={"require": ["exp", "iat", "jti", "token_type"]},
    )


def main():
    url, tokens = sys.argv[1], sys.argv[2:]
    client = jwt.PyJWKClient(url, cache_keys=False)
    for token in tokens:
        try:
            print("ok " + json.dumps(verify(client, token)), flush=True)
        except jwt.PyJWTError as error:
            print(f"refused {type(error).__name__}: {error}", flush=True)


if __name__ == "__main__":
    main()
