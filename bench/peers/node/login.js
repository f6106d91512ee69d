// POST /auth/login, as the seed's Express/Node stack would write it, with the same DynamoDB work
// as functions/login: one consistent batch read of the email claim and both failed-login
// counters, the user by id (an unknown email reads a fresh id), argon2id verification (against a
// dummy hash for an unknown email), then the new session put, a refresh token (HS256) and an
// access token (EdDSA). A wrong password counts against the email and the IP (two updates).
"use strict";

const crypto = require("node:crypto");
const { hash, verify } = require("@node-rs/argon2");
const { BatchGetCommand, GetCommand, PutCommand, UpdateCommand } = require("@aws-sdk/lib-dynamodb");
const { client, respond, error, parseBody, publicUser, EMAIL, table } = require("./common.js");
const { signAccess, signRefresh } = require("./auth.js");

const LIMITS = { perEmail: 5, perIp: 20, windowSecs: 15 * 60 };
const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };
let dummyHash = null;

exports.handler = async (event) => {
  const requestId = event.requestContext.requestId;
  const body = parseBody(event);
  if (!body) return error(400, "MALFORMED_JSON", "The request body must be a JSON object.", requestId);
  const email = typeof body.email === "string" ? body.email.trim() : "";
  const password = body.password;
  if (!EMAIL.test(email) || typeof password !== "string" || !password) {
    return error(400, "VALIDATION_FAILED", "Some fields are invalid; see errors.", requestId);
  }
  const ip = (event.requestContext.http && event.requestContext.http.sourceIp) || "unknown";
  const now = Math.floor(Date.now() / 1000);
  const window = Math.floor(now / LIMITS.windowSecs);
  const normalized = email.toLowerCase();
  const claimKey = { pk: `EMAIL#${normalized}`, sk: "CLAIM" };
  const counters = [
    { pk: `LOGINFAIL#EMAIL#${normalized}`, sk: `WINDOW#${window}` },
    { pk: `LOGINFAIL#IP#${ip}`, sk: `WINDOW#${window}` },
  ];

  const { Responses } = await client.send(new BatchGetCommand({
    RequestItems: { [table]: { Keys: [claimKey, ...counters], ConsistentRead: true } },
  }));
  const items = Responses[table] || [];
  const find = (key) => items.find((item) => item.pk === key.pk && item.sk === key.sk);
  const [byEmail, byIp] = counters.map((key) => (find(key) || {}).count || 0);
  if (byEmail >= LIMITS.perEmail || byIp >= LIMITS.perIp) {
    const retryAfter = Math.max(1, (window + 1) * LIMITS.windowSecs - now);
    return error(429, "RATE_LIMITED", "Too many failed attempts; retry later.", requestId, { "retry-after": String(retryAfter) });
  }
  const userId = (find(claimKey) || {}).userId || crypto.randomUUID();
  const { Item: user } = await client.send(new GetCommand({ TableName: table, Key: { pk: `USER#${userId}`, sk: "PROFILE" }, ConsistentRead: true }));
  if (!user) dummyHash = dummyHash || (await hash(crypto.randomBytes(16).toString("hex"), ARGON2));
  const matches = await verify(user ? user.passwordHash : dummyHash, password);
  if (!user || !matches) {
    const expiresAt = (window + 2) * LIMITS.windowSecs;
    await Promise.all(counters.map((Key) => client.send(new UpdateCommand({
      TableName: table,
      Key,
      UpdateExpression: "ADD #count :one SET #type = :type, #expiresAt = :expiresAt",
      ExpressionAttributeNames: { "#count": "count", "#type": "type", "#expiresAt": "expiresAt" },
      ExpressionAttributeValues: { ":one": 1, ":type": "loginFailures", ":expiresAt": expiresAt },
    }))));
    return error(401, "INVALID_CREDENTIALS", "The email or password is incorrect.", requestId);
  }

  const family = crypto.randomUUID();
  const refresh = signRefresh(user.id, family, user.sessionVersion);
  await client.send(new PutCommand({
    TableName: table,
    Item: {
      pk: `SESSION#${family}`, sk: "SESSION", gsi1pk: `USER#${user.id}`, gsi1sk: `SESSION#${family}`, type: "session",
      userId: user.id, tokenDigest: refresh.digest, revoked: false, expiresAt: refresh.exp,
    },
    ConditionExpression: "attribute_not_exists(#pk)",
    ExpressionAttributeNames: { "#pk": "pk" },
  }));
  const access = signAccess(user);
  return respond(200, {
    status: "success",
    data: { accessToken: access.token, refreshToken: refresh.token, tokenType: "Bearer", expiresIn: access.expiresIn, user: publicUser(user) },
  });
};
