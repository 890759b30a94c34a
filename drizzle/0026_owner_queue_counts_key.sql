ALTER TABLE "owner_queue_counts" ADD COLUMN "id" bigint PRIMARY KEY NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "owner_queue_counts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
-- Truncating tasks leaves no unfinished task: the counts go with it.
CREATE FUNCTION "owner_queue_counts_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM owner_queue_counts;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "tasks_owner_queue_truncated" AFTER TRUNCATE ON "tasks"
	FOR EACH STATEMENT EXECUTE FUNCTION "owner_queue_counts_truncated"();
--> statement-breakpoint
-- The counts are kept per owner and nothing moves a task to another owner: such an update is refused.
CREATE FUNCTION "tasks_owner_unchanged"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'a task''s owner cannot change (task %)', OLD.id USING ERRCODE = 'check_violation';
END $$;
--> statement-breakpoint
CREATE TRIGGER "tasks_owner_unchanged" BEFORE UPDATE OF "owner" ON "tasks" FOR EACH ROW
	WHEN (OLD.owner IS DISTINCT FROM NEW.owner)
	EXECUTE FUNCTION "tasks_owner_unchanged"();
