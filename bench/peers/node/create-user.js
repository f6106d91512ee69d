// POST /users, as the seed's Express/Node stack would write it: the user and the email claim in
// one transaction, argon2id at the same parameters as the Rust functions.
"use strict";

const crypto = require("node:crypto");
const { hash } = require("@node-rs/argon2");
const { TransactWriteCommand } = require("@aws-sdk/lib-dynamodb");
const { client, respond, error, publicUser, table } = require("./common.js");

exports.handler = async (event) => {
  const requestId = event.requestContext.requestId;
  let body;
  try {
    body = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, "base64").toString() : event.body);
  } catch {
    return error(400, "MALFORMED_JSON", "The request body must be a JSON object.", requestId);
  }
  const name = typeof body.name === "string" ? body.name.trim() : "";
  const email = typeof body.email === "string" ? body.email.trim() : "";
  const password = body.password;
  if (!name || name.length > 100 || !/^[^@\s]+@[^@\s]+$/.test(email) || typeof password !== "string" || password.length < 8) {
    return error(400, "VALIDATION_FAILED", "Some fields are invalid; see errors.", requestId);
  }
  const passwordHash = await hash(password, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  const now = new Date().toISOString();
  const user = { id: crypto.randomUUID(), name, email, roles: ["user"], createdAt: now, updatedAt: now };
  try {
    await client.send(new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: table, Item: { pk: `USER#${user.id}`, sk: "PROFILE", type: "user", ...user, passwordHash, version: 1, sessionVersion: 1 }, ConditionExpression: "attribute_not_exists(pk)" } },
        { Put: { TableName: table, Item: { pk: `EMAIL#${email.toLowerCase()}`, sk: "CLAIM", type: "emailClaim", userId: user.id }, ConditionExpression: "attribute_not_exists(pk)" } },
      ],
    }));
  } catch (e) {
    if (e.name === "TransactionCanceledException") return error(409, "EMAIL_TAKEN", "Another account already uses this email.", requestId);
    throw e;
  }
  return respond(201, { status: "success", data: publicUser(user) }, { location: `/users/${user.id}` });
};
