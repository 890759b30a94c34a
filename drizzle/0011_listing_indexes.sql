DROP INDEX "task_groups_owner_created_idx";--> statement-breakpoint
DROP INDEX "tasks_group_idx";--> statement-breakpoint
DROP INDEX "tasks_schedule_idx";--> statement-breakpoint
CREATE INDEX "task_groups_created_idx" ON "task_groups" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_owner_finished_status_idx" ON "tasks" USING btree ("owner","finished_status","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."finished_status" is not null;--> statement-breakpoint
CREATE INDEX "tasks_workflow_dead_lettered_idx" ON "tasks" USING btree ("workflow","dead_lettered_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."dead_lettered_at" is not null;--> statement-breakpoint
CREATE INDEX "task_groups_owner_created_idx" ON "task_groups" USING btree ("owner","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_group_idx" ON "tasks" USING btree ("group_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."group_id" is not null;--> statement-breakpoint
CREATE INDEX "tasks_schedule_idx" ON "tasks" USING btree ("schedule_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."schedule_id" is not null;