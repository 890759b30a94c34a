-- The secret api replicas sign stream tokens with (HMAC). The first replica that needs it writes 32
-- random bytes (services/api/src/auth/stream-token-secret.ts); the row is never replaced.
CREATE TABLE "stream_token_secret" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"secret" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stream_token_secret_one_row" CHECK ("stream_token_secret"."id" = 1)
);
