-- Units ever put on sale, so that stock can be audited:
-- supplied = stock + units held by RESERVED reservations, always.
ALTER TABLE products ADD COLUMN IF NOT EXISTS supplied BIGINT NOT NULL DEFAULT 0 AFTER stock;

UPDATE products p SET p.supplied = p.stock + COALESCE((
  SELECT SUM(i.quantity) FROM reservation_items i
  JOIN reservations r ON r.order_id = i.order_id
  WHERE r.state = 'RESERVED' AND i.product_id = p.product_id), 0);
