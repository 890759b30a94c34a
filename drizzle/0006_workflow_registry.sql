CREATE TABLE "worker_workflows" (
	"worker_id" uuid NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	CONSTRAINT "worker_workflows_worker_id_name_version_pk" PRIMARY KEY("worker_id","name","version")
);
--> statement-breakpoint
CREATE TABLE "workflow_versions" (
	"name" text NOT NULL,
	"version" text NOT NULL,
	"description" text NOT NULL,
	"aliases" text[] DEFAULT '{}'::text[] NOT NULL,
	"params_schema" jsonb NOT NULL,
	"result_schema" jsonb,
	"signals_schema" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"defaults" jsonb NOT NULL,
	"first_registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_versions_name_version_pk" PRIMARY KEY("name","version")
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "workflow_version" text;--> statement-breakpoint
ALTER TABLE "worker_workflows" ADD CONSTRAINT "worker_workflows_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "worker_workflows_version_idx" ON "worker_workflows" USING btree ("name","version");