CREATE TABLE "task_signals" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "task_signals_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"task_id" uuid NOT NULL,
	"name" text NOT NULL,
	"payload" jsonb,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tasks" DROP CONSTRAINT "tasks_completed_at_iff_finished";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "wait" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "wait_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "resume" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "parent_task_id" uuid;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "child_index" integer;--> statement-breakpoint
ALTER TABLE "task_signals" ADD CONSTRAINT "task_signals_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "task_signals_task_name_idx" ON "task_signals" USING btree ("task_id","name");--> statement-breakpoint
CREATE INDEX "tasks_parent_idx" ON "tasks" USING btree ("parent_task_id") WHERE "tasks"."parent_task_id" is not null;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_completed_at_iff_finished" CHECK (("tasks"."completed_at" is null) = ("tasks"."status" in ('pending', 'blocked', 'scheduled', 'queued', 'running', 'waiting')));