// What both handlers share, built once at init like the Rust functions' `App`.
"use strict";

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

function error(statusCode, code, message, requestId) {
  return respond(statusCode, { status: "error", code, message, requestId });
}

function publicUser(item) {
  return { id: item.id, name: item.name, email: item.email, roles: item.roles, createdAt: item.createdAt, updatedAt: item.updatedAt };
}

module.exports = { client, respond, error, publicUser, table: process.env.TABLE_NAME };
