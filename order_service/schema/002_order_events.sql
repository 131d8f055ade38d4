-- The transactional outbox: one event per change of an order, written in the
-- same transaction as the change. event_id is gap-free and in commit order:
-- each writing transaction takes its ids from the single counter row as its
-- last statement, so the next writer waits for its COMMIT before taking
-- ids. A reader that has seen event N has therefore seen every event <= N.
CREATE TABLE order_event_counter (
  id TINYINT NOT NULL PRIMARY KEY,
  last_event_id BIGINT NOT NULL
) ENGINE=InnoDB;

CREATE TABLE order_events (
  event_id BIGINT NOT NULL PRIMARY KEY,
  order_pk BIGINT NOT NULL,
  customer_id VARCHAR(128) NOT NULL,
  -- The order's state right after the change.
  status ENUM('PENDING', 'APPROVED', 'REJECTED') NOT NULL,
  compensating TINYINT(1) NOT NULL,
  reject_reason ENUM('', 'SOLD_OUT', 'OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'INVENTORY_UNAVAILABLE') NOT NULL,
  detail VARCHAR(1024) NOT NULL,
  occurred_at DATETIME(6) NOT NULL,
  KEY order_events_by_order (order_pk, event_id),
  KEY order_events_by_customer (customer_id, event_id),
  CONSTRAINT order_events_order FOREIGN KEY (order_pk) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Orders recorded before the outbox existed get one event with their
-- current state, so that every order can be watched.
INSERT INTO order_events (event_id, order_pk, customer_id, status, compensating,
                          reject_reason, detail, occurred_at)
SELECT ROW_NUMBER() OVER (ORDER BY id), id, customer_id, status, compensating,
       reject_reason, detail, updated_at
FROM orders;

INSERT INTO order_event_counter (id, last_event_id)
SELECT 1, COUNT(*) FROM orders;
