// Tokens as our functions make and check them (shared/src/auth/tokens.rs): access tokens EdDSA
// (Ed25519) with Node's own crypto, which jsonwebtoken 9 cannot do; refresh tokens HS256 with
// jsonwebtoken. Keys come in the environment, set up at init: the harness passes the access key
// set's current public key as a JWK, and the signing keys' secret documents (ours read those
// from the secret store at start; handing them over saves the peer that read).
"use strict";

const crypto = require("node:crypto");
const jwt = require("jsonwebtoken");

const ACCESS_TTL = 15 * 60;
const REFRESH_TTL = 7 * 24 * 60 * 60;
// PKCS#8 DER of an Ed25519 private key, less its 32-byte seed.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

const accessPublicKey = process.env.ACCESS_TOKEN_PUBLIC_JWK
  ? crypto.createPublicKey({ key: JSON.parse(process.env.ACCESS_TOKEN_PUBLIC_JWK), format: "jwk" })
  : null;
const accessSigner = signerOf(process.env.ACCESS_TOKEN_KEY_DOCUMENT, (current) => ({
  kid: current.kid,
  key: crypto.createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(current.privateKey, "base64url")]),
    format: "der",
    type: "pkcs8",
  }),
}));
const refreshSigner = signerOf(process.env.REFRESH_TOKEN_KEY_DOCUMENT, (current) => ({
  kid: current.kid,
  key: Buffer.from(current.key, "base64url"),
}));

function signerOf(document, make) {
  return document ? make(JSON.parse(document).current) : null;
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");

function verifyAccess(token) {
  const [header, payload, signature] = (token || "").split(".");
  if (JSON.parse(Buffer.from(header, "base64url")).alg !== "EdDSA") throw new Error("algorithm");
  if (!crypto.verify(null, Buffer.from(`${header}.${payload}`), accessPublicKey, Buffer.from(signature, "base64url"))) {
    throw new Error("signature");
  }
  const claims = JSON.parse(Buffer.from(payload, "base64url"));
  if (!(claims.exp > Date.now() / 1000) || claims.iss !== process.env.JWT_ISSUER || claims.aud !== process.env.JWT_AUDIENCE) {
    throw new Error("claims");
  }
  if (claims.typ !== "access" || !claims.sub) throw new Error("not an access token");
  return claims;
}

// The caller's access-token claims, or null.
function caller(event) {
  const auth = (event.headers && event.headers.authorization) || "";
  try {
    return verifyAccess(auth.startsWith("Bearer ") ? auth.slice(7) : null);
  } catch {
    return null;
  }
}

function signAccess(user) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64({ typ: "JWT", alg: "EdDSA", kid: accessSigner.kid });
  const claims = b64({
    sub: user.id, email: user.email, roles: user.roles, iss: process.env.JWT_ISSUER, aud: process.env.JWT_AUDIENCE,
    iat: now, exp: now + ACCESS_TTL, jti: crypto.randomUUID(), typ: "access",
  });
  const signature = crypto.sign(null, Buffer.from(`${header}.${claims}`), accessSigner.key).toString("base64url");
  return { token: `${header}.${claims}.${signature}`, expiresIn: ACCESS_TTL };
}

// A refresh token of session family `fam`, and what the session stores of it: SHA-256 of its jti.
function signRefresh(sub, fam, sv) {
  const now = Math.floor(Date.now() / 1000);
  const jti = crypto.randomUUID();
  const claims = { sub, fam, sv, iss: process.env.JWT_ISSUER, aud: process.env.JWT_AUDIENCE, iat: now, exp: now + REFRESH_TTL, jti, typ: "refresh" };
  const token = jwt.sign(claims, refreshSigner.key, { algorithm: "HS256", keyid: refreshSigner.kid });
  return { token, exp: claims.exp, digest: crypto.createHash("sha256").update(jti).digest("hex") };
}

module.exports = { caller, signAccess, signRefresh };
