-- Tokens replicas hold in leases, so a refused taker is told when they come back rather than only when
-- the refill brings them.
ALTER TABLE "rate_limit_buckets" ADD COLUMN "leased" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "rate_limit_buckets" ADD COLUMN "leased_until" timestamp with time zone;