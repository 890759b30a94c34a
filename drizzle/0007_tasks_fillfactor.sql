-- Room in each page for a task's row to be updated in place (HOT) after its insert and at its claim (was 80;
-- see the tasks table in packages/db/src/schema.ts for the cost). Pages written before keep 80.
ALTER TABLE "tasks" SET (fillfactor = 50);
