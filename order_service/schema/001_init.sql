-- Schema `orders`, owned by the order service. The order row is the saga's
-- durable state: PENDING until a decision, `compensating` while a rejection
-- is releasing stock.
CREATE TABLE orders (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id VARCHAR(64) NOT NULL,
  request_id VARCHAR(128) NOT NULL,
  customer_id VARCHAR(128) NOT NULL DEFAULT '',
  status ENUM('PENDING', 'APPROVED', 'REJECTED') NOT NULL,
  compensating TINYINT(1) NOT NULL DEFAULT 0,
  reject_reason ENUM('', 'SOLD_OUT', 'OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'INVENTORY_UNAVAILABLE') NOT NULL DEFAULT '',
  detail VARCHAR(1024) NOT NULL DEFAULT '',
  recipient VARCHAR(256) NOT NULL DEFAULT '',
  phone VARCHAR(256) NOT NULL DEFAULT '',
  zip_code VARCHAR(256) NOT NULL DEFAULT '',
  line1 VARCHAR(256) NOT NULL DEFAULT '',
  line2 VARCHAR(256) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY orders_by_order_id (order_id),
  UNIQUE KEY orders_by_request_id (request_id),
  KEY orders_by_status (status, updated_at),
  KEY orders_by_customer (customer_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE order_items (
  order_pk BIGINT NOT NULL,
  product_id BIGINT NOT NULL,
  quantity INT NOT NULL,
  PRIMARY KEY (order_pk, product_id),
  CONSTRAINT order_items_order FOREIGN KEY (order_pk) REFERENCES orders (id),
  CONSTRAINT order_items_quantity_positive CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
