-- A request id is its caller's own idempotency key (DESIGN.md): unique per
-- customer, so another customer's use of the same string makes another
-- order. The stored order (its items and shipping address) is the request's
-- fingerprint: the same key with other content is refused
-- (docs/ARCHITECTURE.md, "Idempotency keys").
ALTER TABLE orders
  DROP INDEX IF EXISTS orders_by_request_id,
  ADD UNIQUE KEY IF NOT EXISTS orders_by_customer_request (customer_id, request_id);

-- Operator actions carry an id of their own, so that a transaction rerun
-- after a COMMIT whose outcome was lost finds its own row instead of
-- recording the action twice.
ALTER TABLE saga_steps
  ADD COLUMN IF NOT EXISTS action_id VARCHAR(36) NULL,
  ADD UNIQUE KEY IF NOT EXISTS saga_steps_by_action (order_pk, action_id);
