-- The saga's bookkeeping on the order row, its step history, trace ids and
-- the operator's reject reason (docs/OPERATIONS.md, "Stuck sagas").
ALTER TABLE orders
  MODIFY reject_reason ENUM('', 'SOLD_OUT', 'OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'INVENTORY_UNAVAILABLE', 'REJECTED_BY_OPERATOR') NOT NULL DEFAULT '',
  -- Failed attempts to finish the saga (since it started or an operator
  -- retried it); the error of the last one; STUCK once the budget is spent.
  ADD COLUMN saga_attempts INT NOT NULL DEFAULT 0,
  ADD COLUMN saga_last_error VARCHAR(1024) NOT NULL DEFAULT '',
  ADD COLUMN stuck TINYINT(1) NOT NULL DEFAULT 0,
  -- The recovery sweep leaves the order alone until then (backoff).
  ADD COLUMN retry_after DATETIME(6) NULL,
  ADD COLUMN trace_id VARCHAR(32) NOT NULL DEFAULT '',
  ADD KEY orders_by_saga_state (status, stuck, id);

ALTER TABLE order_events
  MODIFY reject_reason ENUM('', 'SOLD_OUT', 'OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'INVENTORY_UNAVAILABLE', 'REJECTED_BY_OPERATOR') NOT NULL,
  ADD KEY order_events_by_time (occurred_at);

-- Failed attempts, parkings and operator actions, per order.
CREATE TABLE saga_steps (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_pk BIGINT NOT NULL,
  step VARCHAR(32) NOT NULL,
  attempt INT NOT NULL,
  detail VARCHAR(1024) NOT NULL,
  trace_id VARCHAR(32) NOT NULL,
  occurred_at DATETIME(6) NOT NULL,
  KEY saga_steps_by_order (order_pk, id),
  KEY saga_steps_by_time (occurred_at),
  CONSTRAINT saga_steps_order FOREIGN KEY (order_pk) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
