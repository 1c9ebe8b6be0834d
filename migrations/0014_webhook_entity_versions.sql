CREATE TABLE "webhook_entity_versions" (
	"entity" varchar(50) NOT NULL,
	"entity_id" text NOT NULL,
	"version" integer NOT NULL,
	CONSTRAINT "webhook_entity_versions_entity_entity_id_pk" PRIMARY KEY("entity","entity_id")
);
