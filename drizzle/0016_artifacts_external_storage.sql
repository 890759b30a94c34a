-- Artifacts are stored uncompressed (EXTERNAL), so a download can read any slice of one without
-- decompressing everything before it (see task_artifacts in packages/db/src/schema/artifacts.ts).
-- Artifacts stored before keep their compression until they are replaced or expire.
ALTER TABLE "task_artifacts" ALTER COLUMN "content" SET STORAGE EXTERNAL;
