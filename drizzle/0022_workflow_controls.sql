CREATE TABLE "workflow_controls" (
	"name" text PRIMARY KEY NOT NULL,
	"paused_at" timestamp with time zone,
	"paused_by" text
);
--> statement-breakpoint
-- Every workflow registered so far gets its row: a worker's claim locks it against a pause.
INSERT INTO "workflow_controls" ("name") SELECT DISTINCT "name" FROM "workflow_versions" ON CONFLICT DO NOTHING;
