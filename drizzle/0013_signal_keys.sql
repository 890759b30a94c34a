-- Idempotency keys of signals, per task: a repeat of a key answers as the first signal did instead of
-- being kept for the task's next wait of that name. Rows go with the task's result (the cleaner).
CREATE TABLE "task_signal_keys" (
	"task_id" uuid NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"payload_digest" "bytea" NOT NULL,
	"taken" text NOT NULL,
	"status" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "task_signal_keys_task_id_key_pk" PRIMARY KEY("task_id","key")
);
--> statement-breakpoint
ALTER TABLE "task_signal_keys" ADD CONSTRAINT "task_signal_keys_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;