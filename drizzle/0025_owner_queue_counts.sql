CREATE TABLE "owner_queue_counts" (
	"owner" text NOT NULL,
	"unfinished" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "owner_queue_counts_owner_idx" ON "owner_queue_counts" USING btree ("owner");--> statement-breakpoint
-- The one place that keeps owner_queue_counts: a task is unfinished while completed_at is null. Inserts and
-- deletes add one row per owner and statement (transition tables); a completed_at change that flips its
-- null-ness adds one row per task, so claims, progress and finishes that keep it null cost nothing here.
CREATE FUNCTION "owner_queue_counts_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO owner_queue_counts (owner, unfinished)
		SELECT owner, count(*) FROM inserted_tasks WHERE completed_at IS NULL GROUP BY owner;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "owner_queue_counts_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO owner_queue_counts (owner, unfinished)
		SELECT owner, -count(*) FROM deleted_tasks WHERE completed_at IS NULL GROUP BY owner;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "owner_queue_counts_flipped"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO owner_queue_counts (owner, unfinished)
		VALUES (NEW.owner, CASE WHEN NEW.completed_at IS NULL THEN 1 ELSE -1 END);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "tasks_owner_queue_inserted" AFTER INSERT ON "tasks" REFERENCING NEW TABLE AS inserted_tasks
	FOR EACH STATEMENT EXECUTE FUNCTION "owner_queue_counts_inserted"();
--> statement-breakpoint
CREATE TRIGGER "tasks_owner_queue_deleted" AFTER DELETE ON "tasks" REFERENCING OLD TABLE AS deleted_tasks
	FOR EACH STATEMENT EXECUTE FUNCTION "owner_queue_counts_deleted"();
--> statement-breakpoint
CREATE TRIGGER "tasks_owner_queue_flipped" AFTER UPDATE OF "completed_at" ON "tasks" FOR EACH ROW
	WHEN ((OLD.completed_at IS NULL) <> (NEW.completed_at IS NULL))
	EXECUTE FUNCTION "owner_queue_counts_flipped"();
--> statement-breakpoint
-- Existing tasks, counted once the triggers hold the table (creating them locks out other writers).
INSERT INTO "owner_queue_counts" ("owner", "unfinished")
	SELECT "owner", count(*) FROM "tasks" WHERE "completed_at" IS NULL GROUP BY "owner";
