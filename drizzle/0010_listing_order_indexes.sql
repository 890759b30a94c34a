DROP INDEX "task_groups_owner_created_idx";--> statement-breakpoint
DROP INDEX "tasks_group_idx";--> statement-breakpoint
DROP INDEX "tasks_schedule_idx";--> statement-breakpoint
CREATE INDEX "task_groups_created_idx" ON "task_groups" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "task_groups_owner_created_idx" ON "task_groups" USING btree ("owner","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_group_idx" ON "tasks" USING btree ("group_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."group_id" is not null;--> statement-breakpoint
CREATE INDEX "tasks_schedule_idx" ON "tasks" USING btree ("schedule_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "tasks"."schedule_id" is not null;