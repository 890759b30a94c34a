-- Room in each page for a task's row to be updated in place (HOT): its first event's seq, its claim.
ALTER TABLE "tasks" SET (fillfactor = 50);
