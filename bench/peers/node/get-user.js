// GET /users/{id}, as the seed's Express/Node stack would write it.
"use strict";

const crypto = require("node:crypto");
const { GetCommand } = require("@aws-sdk/lib-dynamodb");
const { client, respond, error, publicUser, table } = require("./common.js");

// Access tokens are EdDSA (Ed25519), which jsonwebtoken 9 cannot verify: Node's own crypto
// does, with the public key the harness passes as a JWK (the key set's current key).
const accessKey = crypto.createPublicKey({ key: JSON.parse(process.env.ACCESS_TOKEN_PUBLIC_JWK), format: "jwk" });

function verifyAccess(token) {
  const [header, payload, signature] = (token || "").split(".");
  if (JSON.parse(Buffer.from(header, "base64url")).alg !== "EdDSA") throw new Error("algorithm");
  if (!crypto.verify(null, Buffer.from(`${header}.${payload}`), accessKey, Buffer.from(signature, "base64url"))) {
    throw new Error("signature");
  }
  const claims = JSON.parse(Buffer.from(payload, "base64url"));
  if (!(claims.exp > Date.now() / 1000) || claims.iss !== process.env.JWT_ISSUER || claims.aud !== process.env.JWT_AUDIENCE) {
    throw new Error("claims");
  }
  return claims;
}

exports.handler = async (event) => {
  const requestId = event.requestContext.requestId;
  const auth = (event.headers && event.headers.authorization) || "";
  const token = auth.startsWith("Bearer ") ? auth.slice(7) : null;
  let claims;
  try {
    claims = verifyAccess(token);
    if (claims.typ !== "access" || !claims.sub) throw new Error("not an access token");
  } catch {
    return error(401, "UNAUTHENTICATED", "A valid access token is required.", requestId);
  }
  const id = event.pathParameters.id;
  if (claims.sub !== id && !(claims.roles || []).includes("admin")) {
    return error(403, "FORBIDDEN", "You are not allowed to do this.", requestId);
  }
  const { Item } = await client.send(new GetCommand({ TableName: table, Key: { pk: `USER#${id}`, sk: "PROFILE" }, ConsistentRead: true }));
  if (!Item) return error(404, "NOT_FOUND", "The resource does not exist.", requestId);
  return respond(200, { status: "success", data: publicUser(Item) });
};
