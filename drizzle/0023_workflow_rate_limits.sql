CREATE TABLE "workflow_rate_limits" (
	"name" text PRIMARY KEY NOT NULL,
	"recent_starts" timestamp with time zone[] DEFAULT '{}'::timestamptz[] NOT NULL
);
