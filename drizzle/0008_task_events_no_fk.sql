-- The event writer is the only code that writes events, and only for task rows it has just updated; task
-- rows are never deleted. The key checked (and share-locked) the task row again for every event written.
ALTER TABLE "task_events" DROP CONSTRAINT "task_events_task_id_tasks_id_fk";
