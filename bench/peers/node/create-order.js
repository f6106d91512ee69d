// POST /orders, as the seed's Express/Node stack would write it, with the same DynamoDB work as
// functions/create-order (shared/src/store/orders.rs): an optional Idempotency-Key (its record
// read first), the products priced from one consistent batch read, then one TransactWriteItems:
// the order put if its id is new, the idempotency record if a key came, and per line a sale
// (stock down, version up) on condition the product is on sale, at the line's price, with stock.
"use strict";

const crypto = require("node:crypto");
const { BatchGetCommand, GetCommand, TransactWriteCommand } = require("@aws-sdk/lib-dynamodb");
const { unmarshall } = require("@aws-sdk/util-dynamodb");
const { client, respond, error, parseBody, uuidv7, table } = require("./common.js");
const { caller } = require("./auth.js");

const PRICING_ATTEMPTS = 3;
const CONFLICT_ATTEMPTS = 4;
const IDEMPOTENCY_TTL = 24 * 60 * 60;
const KEY = /^[A-Za-z0-9_-]{1,64}$/;

class Refused extends Error {
  constructor(response) {
    super("refused");
    this.response = response;
  }
}

exports.handler = async (event) => {
  const requestId = event.requestContext.requestId;
  const claims = caller(event);
  if (!claims) return error(401, "UNAUTHENTICATED", "A valid access token is required.", requestId);
  const key = event.headers && event.headers["idempotency-key"];
  const body = parseBody(event);
  if ((key !== undefined && !KEY.test(key)) || !body) {
    return error(400, "VALIDATION_FAILED", "Some fields are invalid; see errors.", requestId);
  }
  const lines = validLines(body.items);
  if (!lines) return error(400, "VALIDATION_FAILED", "Some fields are invalid; see errors.", requestId);
  try {
    const order = await place(claims.sub, lines, key, requestId);
    return respond(201, { status: "success", data: order }, { location: `/orders/${order.id}` });
  } catch (e) {
    if (e instanceof Refused) return e.response;
    throw e;
  }
};

function validLines(items) {
  if (!Array.isArray(items) || items.length < 1 || items.length > 25) return null;
  const seen = new Set();
  for (const line of items) {
    const valid = line && typeof line.productId === "string" && line.productId.length >= 1 && line.productId.length <= 64
      && Number.isInteger(line.quantity) && line.quantity >= 1 && line.quantity <= 100 && !seen.has(line.productId)
      && Object.keys(line).every((k) => k === "productId" || k === "quantity");
    if (!valid) return null;
    seen.add(line.productId);
  }
  return items;
}

async function place(userId, lines, key, requestId) {
  const now = Math.floor(Date.now() / 1000);
  const claim = key && {
    key,
    digest: crypto.createHash("sha256").update(lines.map((l) => `${l.productId}x${l.quantity}`).join(",")).digest("hex"),
    expiresAt: now + IDEMPOTENCY_TTL,
  };
  if (claim) {
    const replayed = await replay(userId, claim, now, requestId);
    if (replayed) return replayed;
  }
  for (let attempt = 0; attempt < PRICING_ATTEMPTS; attempt++) {
    const order = await price(userId, lines, requestId);
    const outcome = await write(order, claim);
    if (outcome === "placed") return order;
    if (outcome === "keyTaken") {
      const replayed = claim && (await replay(userId, claim, now, requestId));
      if (replayed) return replayed;
      throw new Refused(error(409, "CONFLICT", "The resource was changed concurrently; retry.", requestId));
    }
    if (outcome !== "repriced") throw new Refused(outcome);
  }
  throw new Refused(error(409, "CONFLICT", "The resource was changed concurrently; retry.", requestId));
}

async function replay(userId, claim, now, requestId) {
  const { Item: record } = await client.send(new GetCommand({
    TableName: table, Key: { pk: `IDEMPOTENCY#${userId}#${claim.key}`, sk: "IDEMPOTENCY" }, ConsistentRead: true,
  }));
  if (!record || record.expiresAt <= now) return null;
  if (record.requestDigest !== claim.digest) {
    throw new Refused(error(422, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with another request.", requestId));
  }
  const { Item: order } = await client.send(new GetCommand({ TableName: table, Key: { pk: `ORDER#${record.orderId}`, sk: "ORDER" }, ConsistentRead: true }));
  return publicOrder(order);
}

// A new order priced from the products on sale: one consistent batch read.
async function price(userId, lines, requestId) {
  const { Responses } = await client.send(new BatchGetCommand({
    RequestItems: { [table]: { Keys: lines.map((l) => ({ pk: `PRODUCT#${l.productId}`, sk: "PRODUCT" })), ConsistentRead: true } },
  }));
  const products = new Map((Responses[table] || []).filter((p) => !p.archivedAt).map((p) => [p.id, p]));
  if (lines.some((l) => !products.has(l.productId))) {
    throw new Refused(error(404, "PRODUCT_NOT_FOUND", "An order line names a product that does not exist.", requestId));
  }
  const items = lines.map((l) => {
    const unitPriceCents = products.get(l.productId).priceCents;
    return { productId: l.productId, quantity: l.quantity, unitPriceCents, lineTotalCents: l.quantity * unitPriceCents };
  });
  return {
    id: uuidv7(), userId, items, totalCents: items.reduce((sum, line) => sum + line.lineTotalCents, 0),
    status: "placed", createdAt: new Date().toISOString(),
  };
}

// "placed", "keyTaken", "repriced", or the response that refuses the order.
async function write(order, claim) {
  const now = new Date().toISOString();
  const actions = [{ Put: putNew({ pk: `ORDER#${order.id}`, sk: "ORDER", gsi1pk: `USER#${order.userId}`, gsi1sk: `ORDER#${order.id}`, type: "order", ...order, version: 1 }) }];
  if (claim) {
    actions.push({ Put: putNew({ pk: `IDEMPOTENCY#${order.userId}#${claim.key}`, sk: "IDEMPOTENCY", type: "idempotency", requestDigest: claim.digest, orderId: order.id, expiresAt: claim.expiresAt }) });
  }
  const firstSale = actions.length;
  for (const line of order.items) actions.push({ Update: sell(line, now) });
  const token = claim && crypto.createHash("sha256").update(`${order.userId}#${claim.key}#${order.id}`).digest("hex").slice(0, 36);
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: actions, ClientRequestToken: token }));
      return "placed";
    } catch (e) {
      if (e.name === "IdempotentParameterMismatchException") return "keyTaken";
      if (e.name !== "TransactionCanceledException") throw e;
      const reasons = e.CancellationReasons || [];
      if (reasons.some((r) => r.Code === "TransactionConflict") && attempt < CONFLICT_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, (25 << attempt) / 2 + Math.random() * (25 << attempt) / 2));
        continue;
      }
      return refusal(order, reasons, firstSale, !!claim);
    }
  }
}

function putNew(Item) {
  return { TableName: table, Item, ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "pk" } };
}

function sell(line, now) {
  return {
    TableName: table,
    Key: { pk: `PRODUCT#${line.productId}`, sk: "PRODUCT" },
    UpdateExpression: "SET #stock = #stock - :quantity, #updatedAt = :now ADD #version :one",
    ConditionExpression: "attribute_exists(#pk) AND attribute_not_exists(#archivedAt) AND #price = :price AND #stock >= :quantity",
    ExpressionAttributeNames: { "#pk": "pk", "#archivedAt": "archivedAt", "#price": "priceCents", "#stock": "stock", "#updatedAt": "updatedAt", "#version": "version" },
    ExpressionAttributeValues: { ":quantity": line.quantity, ":price": line.unitPriceCents, ":now": now, ":one": 1 },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

// What the failed conditions say, read from each product as it was, in our order of precedence.
function refusal(order, reasons, firstSale, withKey) {
  const failed = (i) => reasons[i] && reasons[i].Code === "ConditionalCheckFailed";
  if (withKey && failed(1)) return "keyTaken";
  const sales = order.items.map((line, i) => {
    if (!failed(firstSale + i)) return null;
    const product = reasons[firstSale + i].Item && unmarshall(reasons[firstSale + i].Item);
    if (!product || product.archivedAt) return "gone";
    return product.priceCents !== line.unitPriceCents ? "repriced" : "short";
  });
  if (sales.includes("gone")) return error(404, "PRODUCT_NOT_FOUND", "An order line names a product that does not exist.");
  if (sales.includes("repriced")) return "repriced";
  if (sales.includes("short")) return error(409, "INSUFFICIENT_STOCK", "Not enough stock for some order lines; see errors.");
  if (reasons.some((r) => r.Code === "ThrottlingError")) return error(503, "SERVICE_UNAVAILABLE", "Try again later.");
  return error(409, "CONFLICT", "The resource was changed concurrently; retry.");
}

function publicOrder(item) {
  const { id, userId, items, totalCents, status, createdAt, cancelledAt } = item;
  return { id, userId, items, totalCents, status, createdAt, ...(cancelledAt ? { cancelledAt } : {}) };
}
