// GET /users/{id}, as the seed's Express/Node stack would write it.
"use strict";

const jwt = require("jsonwebtoken");
const { GetCommand } = require("@aws-sdk/lib-dynamodb");
const { client, respond, error, publicUser, table } = require("./common.js");

exports.handler = async (event) => {
  const requestId = event.requestContext.requestId;
  const auth = (event.headers && event.headers.authorization) || "";
  const token = auth.startsWith("Bearer ") ? auth.slice(7) : null;
  let claims;
  try {
    claims = jwt.verify(token, process.env.JWT_SECRET, { algorithms: ["HS256"], issuer: process.env.JWT_ISSUER, audience: process.env.JWT_AUDIENCE });
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
