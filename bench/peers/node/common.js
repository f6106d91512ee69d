// What the handlers share, built once at init like the Rust functions' `App`.
"use strict";

const crypto = require("node:crypto");
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient } = require("@aws-sdk/lib-dynamodb");

const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT, region: process.env.AWS_REGION }),
);

const headers = {
  "content-type": "application/json",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "strict-transport-security": "max-age=63072000; includeSubDomains",
};

function respond(statusCode, body, extra = {}) {
  return { statusCode, headers: { ...headers, ...extra }, body: JSON.stringify(body) };
}

function error(statusCode, code, message, requestId, extra = {}) {
  return respond(statusCode, { status: "error", code, message, requestId }, extra);
}

// The JSON object in the body, or null.
function parseBody(event) {
  try {
    const body = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, "base64").toString() : event.body);
    return body && typeof body === "object" && !Array.isArray(body) ? body : null;
  } catch {
    return null;
  }
}

function publicUser(item) {
  return { id: item.id, name: item.name, email: item.email, roles: item.roles, createdAt: item.createdAt, updatedAt: item.updatedAt };
}

// A UUIDv7 (time-ordered, as our user, product and order ids): Node 20 makes only v4.
function uuidv7() {
  const bytes = crypto.randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const EMAIL = /^[^@\s]+@[^@\s]+$/;

module.exports = { client, respond, error, parseBody, publicUser, uuidv7, EMAIL, table: process.env.TABLE_NAME };
