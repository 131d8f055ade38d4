-- Every change of a product row (an upsert, a reservation, a release) bumps
-- its version: UpsertProduct with a version set applies only if nothing
-- changed since the caller read it (optimistic concurrency, an etag).
-- last_upsert_id names the upsert that last set the row, so that the
-- transaction's rerun after a COMMIT whose outcome was lost finds itself
-- applied and changes nothing (docs/ARCHITECTURE.md, "Idempotent units of
-- work").
ALTER TABLE products
  ADD COLUMN IF NOT EXISTS version BIGINT NOT NULL DEFAULT 1 AFTER supplied,
  ADD COLUMN IF NOT EXISTS last_upsert_id VARCHAR(36) NULL AFTER version;

-- The call that last wrote a barrier row (a Reserve, a batch of them, or a
-- Release): its rerun after a lost COMMIT recognises its own write and
-- answers what the first run answered.
ALTER TABLE reservations ADD COLUMN IF NOT EXISTS call_id VARCHAR(36) NULL AFTER detail;
