-- Schema `inventory`, owned by the inventory service.

-- Products and their available stock. Status follows stock: 0 is SOLD_OUT.
CREATE TABLE products (
  product_id BIGINT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  price BIGINT NOT NULL,
  stock BIGINT NOT NULL,
  status ENUM('ON_SALE', 'SOLD_OUT') NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  CONSTRAINT products_stock_not_negative CHECK (stock >= 0),
  CONSTRAINT products_price_not_negative CHECK (price >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The barrier: one row per order id, inserted in the same transaction as the
-- stock change it records. RESERVED holds stock; RELEASED gave it back;
-- TOMBSTONE is a Release that came before any Reserve; OUT_OF_STOCK and
-- UNKNOWN_PRODUCT are recorded refusals. A Reserve for an order id that has a
-- row returns the recorded outcome and changes nothing.
CREATE TABLE reservations (
  order_id VARCHAR(64) NOT NULL PRIMARY KEY,
  state ENUM('RESERVED', 'OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'RELEASED', 'TOMBSTONE') NOT NULL,
  detail VARCHAR(1024) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  KEY reservations_by_state (state, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- What a RESERVED (or later RELEASED) reservation holds.
CREATE TABLE reservation_items (
  order_id VARCHAR(64) NOT NULL,
  product_id BIGINT NOT NULL,
  quantity INT NOT NULL,
  PRIMARY KEY (order_id, product_id),
  KEY reservation_items_by_product (product_id),
  CONSTRAINT reservation_items_quantity_positive CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
