// GET /users/{id}, as the seed's Express/Node stack would write it.
"use strict";

const { GetCommand } = require("@aws-sdk/lib-dynamodb");
const { client, respond, error, publicUser, table } = require("./common.js");
const { caller } = require("./auth.js");

exports.handler = async (event) => {
  const requestId = event.requestContext.requestId;
  const claims = caller(event);
  if (!claims) return error(401, "UNAUTHENTICATED", "A valid access token is required.", requestId);
  const id = event.pathParameters.id;
  if (claims.sub !== id && !(claims.roles || []).includes("admin")) {
    return error(403, "FORBIDDEN", "You are not allowed to do this.", requestId);
  }
  const { Item } = await client.send(new GetCommand({ TableName: table, Key: { pk: `USER#${id}`, sk: "PROFILE" }, ConsistentRead: true }));
  if (!Item) return error(404, "NOT_FOUND", "The resource does not exist.", requestId);
  return respond(200, { status: "success", data: publicUser(Item) });
};
